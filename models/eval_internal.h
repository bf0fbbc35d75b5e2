/* eval_internal.h — what the files of the evaluation module share: image
 * allocation, HTML text and image embedding, and SVG charts. Not public API. */
#ifndef NB_EVAL_INTERNAL_H
#define NB_EVAL_INTERNAL_H

#include <stdio.h>
#include "nb_eval.h"

/* Allocates img->pixels (malloc) for width x height x channels (1 or 3). */
int nb_eval_image_alloc(nb_image *img, int width, int height, int channels, const char *who);

/* ---- HTML pieces (models/report_html.c) --------------------------------------- */
/* Writes s with & < > " ' escaped, fit for text and attribute values. NULL: "". */
void nb_html_escape(FILE *f, const char *s);
/* Standard base64 (RFC 4648, with padding) of n bytes. */
void nb_html_base64(FILE *f, const unsigned char *data, size_t n);
/* An <img> of CSS class cls whose src is the PNG at path as a data: URI; a
 * visible note instead when the file cannot be read or is not a PNG. */
void nb_html_png(FILE *f, const char *path, const char *cls, const char *alt);

/* ---- SVG charts (models/report_svg.c) ----------------------------------------- */
/* A plot: data ranges [x0, x1] x [y0, y1] mapped into a frame with ticks,
 * grid lines, axis labels and a title. */
typedef struct {
    FILE *f;
    double x0, x1, y0, y1;
    double left, top, width, height; /* the frame, in SVG units */
    double legend_x; /* where the next legend entry goes */
} nb_svg_plot;

/* Opens <svg> and draws the frame, grid, ticks and labels. */
void nb_svg_begin(nb_svg_plot *p, FILE *f, const char *title, const char *xlabel, const char *ylabel,
                  double x0, double x1, double y0, double y1);
/* A polyline through the finite points; dash NULL for a solid line. */
void nb_svg_line(nb_svg_plot *p, const double *x, const double *y, int64_t n, const char *color, double width,
                 const char *dash);
/* A histogram: counts over bins of equal width from x0 to x1, as a filled step outline. */
void nb_svg_histogram(nb_svg_plot *p, const double *heights, int bins, const char *color);
/* A vertical marker at x, labelled. */
void nb_svg_vline(nb_svg_plot *p, double x, const char *color, const char *label);
/* The next legend entry, stacked at the top right inside the frame. */
void nb_svg_legend(nb_svg_plot *p, const char *name, const char *color);
void nb_svg_end(nb_svg_plot *p);

/* ---- the report's charts (models/report_charts.c) ----------------------------- */
void nb_report_roc_chart(FILE *f, const nb_curve *roc, double auc);
void nb_report_pr_chart(FILE *f, const nb_curve *pr, double ap, double positive_rate);
/* Scores of normal and anomalous images as fractions of their class over
 * shared bins, with the threshold marked (NaN: none). */
void nb_report_histogram(FILE *f, const double *scores, const uint8_t *labels, int64_t n, double threshold);
/* One chart per chart name (or per unnamed series). 0, or -1 out of memory. */
int nb_report_loss_charts(FILE *f, const nb_report_series *series, int n);

#endif
