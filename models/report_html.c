/* report_html.c — the HTML pieces of a self-contained report: escaped text,
 * base64, and PNG files embedded as data: URIs so the page needs no other file. */
#include <stdlib.h>
#include <string.h>
#include "eval_internal.h"

void nb_html_escape(FILE *f, const char *s) {
    for (; s && *s; s++) switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

/* Every 3 bytes become 4 characters of 6 bits each; a short last group is
 * padded with '='. */
void nb_html_base64(FILE *f, const unsigned char *data, size_t n) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        uint32_t v = (uint32_t)data[i] << 16;
        if (left > 1) v |= (uint32_t)data[i + 1] << 8;
        if (left > 2) v |= data[i + 2];
        char out[4] = {digits[v >> 18], digits[(v >> 12) & 63], left > 1 ? digits[(v >> 6) & 63] : '=',
                       left > 2 ? digits[v & 63] : '='};
        fwrite(out, 1, 4, f);
    }
}

/* The whole file (malloc'ed) or NULL; *why says what went wrong. */
static unsigned char *read_png_file(const char *path, size_t *n, const char **why) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    *why = "cannot be read";
    FILE *in = path ? fopen(path, "rb") : NULL;
    if (!in) return NULL;
    long size = -1;
    if (fseek(in, 0, SEEK_END) == 0) size = ftell(in);
    unsigned char *data = size >= 0 && fseek(in, 0, SEEK_SET) == 0 ? malloc((size_t)size + 1) : NULL;
    if (data && fread(data, 1, (size_t)size, in) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(in);
    if (!data) return NULL;
    if (size < (long)sizeof signature || memcmp(data, signature, sizeof signature)) {
        *why = "is not a PNG file";
        free(data);
        return NULL;
    }
    *n = (size_t)size;
    return data;
}

void nb_html_png(FILE *f, const char *path, const char *cls, const char *alt) {
    size_t n = 0;
    const char *why;
    unsigned char *data = read_png_file(path, &n, &why);
    if (!data) {
        fputs("<div class=\"missing\">image ", f);
        nb_html_escape(f, path ? path : "(none)");
        fprintf(f, " %s</div>\n", why);
        return;
    }
    fputs("<img class=\"", f);
    nb_html_escape(f, cls);
    fputs("\" alt=\"", f);
    nb_html_escape(f, alt);
    fputs("\" src=\"data:image/png;base64,", f);
    nb_html_base64(f, data, n);
    fputs("\">\n", f);
    free(data);
}
