/* print.c — a module tree printed the way PyTorch prints a module:
 *
 *     Sequential(
 *       (0): Linear(in_features=2, out_features=16, bias=True)
 *       (1): Tanh()
 *     )
 */
#include <stdarg.h>
#include <string.h>
#include "nb_models.h"

static void print_tree(const nb_module *m, FILE *f, int indent) {
    char settings[256] = "";
    if (m->kind->describe) m->kind->describe(m, settings, sizeof settings);
    if (!m->children.n) {
        fprintf(f, "%s(%s)", m->kind->name, settings);
        return;
    }
    fprintf(f, "%s(\n", m->kind->name);
    if (settings[0]) fprintf(f, "%*s%s\n", indent + 2, "", settings);
    for (int i = 0; i < m->children.n; i++) {
        fprintf(f, "%*s(%s): ", indent + 2, "", m->children.names[i]);
        print_tree(m->children.items[i], f, indent + 2);
        fputc('\n', f);
    }
    fprintf(f, "%*s)", indent, "");
}

void nb_module_print(const nb_module *m, FILE *f) {
    if (!m || !f) return;
    print_tree(m, f, 0);
    fputc('\n', f);
}

void nb_describef(char *buf, size_t size, const char *fmt, ...) {
    size_t n = strnlen(buf, size);
    if (n + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}
