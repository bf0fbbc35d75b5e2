/* report_svg.c — small inline SVG charts for the HTML report: a framed plot
 * with "nice" ticks (steps of 1, 2 or 5 times a power of ten), polylines,
 * histograms, markers and a legend. Styling comes from the page's CSS classes. */
#include <math.h>
#include <string.h>
#include "eval_internal.h"

#define SVG_W 440
#define SVG_H 330
#define MARGIN_LEFT 62
#define MARGIN_RIGHT 18
#define MARGIN_TOP 50 /* title and legend */
#define MARGIN_BOTTOM 46

/* The step of about `target` ticks over span: 1, 2 or 5 times a power of ten. */
static double nice_step(double span, int target) {
    double raw = span / target, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

static double to_px(const nb_svg_plot *p, double x) { return p->left + (x - p->x0) / (p->x1 - p->x0) * p->width; }
static double to_py(const nb_svg_plot *p, double y) {
    return p->top + p->height - (y - p->y0) / (p->y1 - p->y0) * p->height;
}

static void text(FILE *f, const char *cls, double x, double y, const char *anchor, const char *s) {
    fprintf(f, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls, x, y, anchor);
    nb_html_escape(f, s);
    fputs("</text>\n", f);
}

/* Grid lines and labels at multiples of a nice step inside [lo, hi]. */
static void ticks(const nb_svg_plot *p, bool vertical_axis) {
    double lo = vertical_axis ? p->y0 : p->x0, hi = vertical_axis ? p->y1 : p->x1;
    double step = nice_step(hi - lo, 5);
    for (double k = ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
        double v = fabs(k) < 0.5 ? 0 : k * step; /* no "-0" */
        char label[32];
        snprintf(label, sizeof label, "%g", v);
        if (vertical_axis) {
            double y = to_py(p, v);
            fprintf(p->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->left, y,
                    p->left + p->width, y);
            text(p->f, "tick", p->left - 6, y + 4, "end", label);
        } else {
            double x = to_px(p, v);
            fprintf(p->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, p->top, x,
                    p->top + p->height);
            text(p->f, "tick", x, p->top + p->height + 16, "middle", label);
        }
    }
}

void nb_svg_begin(nb_svg_plot *p, FILE *f, const char *title, const char *xlabel, const char *ylabel,
                  double x0, double x1, double y0, double y1) {
    *p = (nb_svg_plot){f, x0, x1 > x0 ? x1 : x0 + 1, y0, y1 > y0 ? y1 : y0 + 1, MARGIN_LEFT, MARGIN_TOP,
                       SVG_W - MARGIN_LEFT - MARGIN_RIGHT, SVG_H - MARGIN_TOP - MARGIN_BOTTOM, MARGIN_LEFT};
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n",
            SVG_W, SVG_H);
    text(f, "title", SVG_W / 2.0, 20, "middle", title);
    ticks(p, false);
    ticks(p, true);
    fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", p->left, p->top,
            p->width, p->height);
    text(f, "axis", p->left + p->width / 2, SVG_H - 8, "middle", xlabel);
    fprintf(f, "<text class=\"axis\" transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">",
            p->top + p->height / 2);
    nb_html_escape(f, ylabel);
    fputs("</text>\n", f);
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

void nb_svg_line(nb_svg_plot *p, const double *x, const double *y, int64_t n, const char *color, double width,
                 const char *dash) {
    fprintf(p->f, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"", color, width);
    if (dash) fprintf(p->f, " stroke-dasharray=\"%s\"", dash);
    fputs(" points=\"", p->f);
    const char *sep = "";
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double px = clamp(to_px(p, x[i]), p->left, p->left + p->width);
        double py = clamp(to_py(p, y[i]), p->top, p->top + p->height);
        fprintf(p->f, "%s%.1f,%.1f", sep, px, py);
        sep = " ";
    }
    fputs("\"/>\n", p->f);
}

void nb_svg_histogram(nb_svg_plot *p, const double *heights, int bins, const char *color) {
    double base = p->top + p->height, bw = p->width / bins;
    fprintf(p->f, "<path class=\"hist\" fill=\"%s\" stroke=\"%s\" d=\"M%.1f,%.1f", color, color, p->left, base);
    for (int b = 0; b < bins; b++) {
        double y = clamp(to_py(p, heights[b]), p->top, base);
        fprintf(p->f, " L%.1f,%.1f L%.1f,%.1f", p->left + b * bw, y, p->left + (b + 1) * bw, y);
    }
    fprintf(p->f, " L%.1f,%.1f Z\"/>\n", p->left + p->width, base);
}

void nb_svg_vline(nb_svg_plot *p, double x, const char *color, const char *label) {
    if (!isfinite(x)) return;
    double px = clamp(to_px(p, x), p->left, p->left + p->width);
    fprintf(p->f, "<line class=\"marker\" stroke=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", color,
            px, p->top, px, p->top + p->height);
    bool right_half = px > p->left + p->width / 2; /* label on the roomier side */
    text(p->f, "mark", right_half ? px - 5 : px + 5, p->top + 14, right_half ? "end" : "start", label);
}

/* Entries run left to right under the title, about 6.5 units per character. */
void nb_svg_legend(nb_svg_plot *p, const char *name, const char *color) {
    double x = p->legend_x, y = 38;
    fprintf(p->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%s\"/>\n", x, y - 5, color);
    text(p->f, "legend", x + 19, y, "start", name);
    p->legend_x += 19 + 6.5 * (double)strlen(name) + 16;
}

void nb_svg_end(nb_svg_plot *p) { fputs("</svg>\n", p->f); }
