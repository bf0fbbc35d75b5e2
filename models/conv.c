/* conv.c — Conv2d and ConvTranspose2d (torch.nn), square kernels, PyTorch's
 * weight layouts: Conv2d W [out, in/groups, k, k], ConvTranspose2d
 * W [in, out/groups, k, k], bias [out]. Default init as PyTorch's: kaiming-
 * uniform with a = sqrt(5) and fan_in from W's dim 1 (see nb_init_default). */
#include "nb_models.h"

static nb_tensor *conv_forward(nb_module *m, nb_tensor *x) {
    return nb_conv2d(x, nb_module_param(m, "weight"), nb_module_param(m, "bias"),
                     *(const nb_conv_params *)m->cfg);
}

static nb_tensor *conv_transpose_forward(nb_module *m, nb_tensor *x) {
    return nb_conv_transpose2d(x, nb_module_param(m, "weight"), nb_module_param(m, "bias"),
                               *(const nb_conv_params *)m->cfg);
}

static void conv_reset(nb_module *m) {
    nb_init_default(nb_module_param(m, "weight"), nb_module_param(m, "bias"));
}

/* "1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1)" and the settings
 * that differ from their defaults, as PyTorch prints them */
static void conv_describe(const nb_module *m, char *buf, size_t size) {
    const nb_conv_params *p = m->cfg;
    const nb_tensor *w = nb_module_param(m, "weight");
    int g = p->groups ? p->groups : 1, s = p->stride ? p->stride : 1, k = (int)w->shape[2];
    bool transposed = m->kind->forward == conv_transpose_forward;
    long long in = transposed ? w->shape[0] : w->shape[1] * g;
    long long out = transposed ? w->shape[1] * g : w->shape[0];
    nb_describef(buf, size, "%lld, %lld, kernel_size=(%d, %d), stride=(%d, %d)", in, out, k, k, s, s);
    if (p->padding) nb_describef(buf, size, ", padding=(%d, %d)", p->padding, p->padding);
    if (p->output_padding)
        nb_describef(buf, size, ", output_padding=(%d, %d)", p->output_padding, p->output_padding);
    if (p->dilation > 1) nb_describef(buf, size, ", dilation=(%d, %d)", p->dilation, p->dilation);
    if (g > 1) nb_describef(buf, size, ", groups=%d", g);
    if (!nb_module_param(m, "bias")) nb_describef(buf, size, ", bias=False");
}

static const nb_layer_kind conv_kind = {"Conv2d", conv_forward, conv_describe, conv_reset};
static const nb_layer_kind conv_transpose_kind = {"ConvTranspose2d", conv_transpose_forward,
                                                  conv_describe, conv_reset};

static nb_module *conv_new(const nb_layer_kind *kind, int64_t in, int64_t out, int k, nb_conv_params p,
                           bool bias) {
    int g = p.groups ? p.groups : 1;
    bool transposed = kind == &conv_transpose_kind;
    if (in <= 0 || out <= 0 || k <= 0 || g < 0 || in % g || out % g)
        return nb_error_set("%s: in %lld, out %lld, kernel %d, groups %d: sizes must be positive "
                            "and channels divisible by groups",
                            kind->name, (long long)in, (long long)out, k, g);
    if (p.stride < 0 || p.padding < 0 || p.dilation < 0 || p.output_padding < 0)
        return nb_error_set("%s: stride, padding, dilation and output_padding cannot be negative",
                            kind->name);
    nb_module *m = nb_module_new(kind, sizeof p);
    if (m) *(nb_conv_params *)m->cfg = p;
    nb_module_add_param(m, "weight", NB_SHAPE(transposed ? in : out, (transposed ? out : in) / g, k, k));
    if (bias) nb_module_add_param(m, "bias", NB_SHAPE(out));
    return nb_module_ready(m);
}

nb_module *nb_Conv2d_ex(int64_t in, int64_t out, int kernel, nb_conv_params p, bool bias) {
    return conv_new(&conv_kind, in, out, kernel, p, bias);
}

nb_module *nb_Conv2d(int64_t in, int64_t out, int kernel, int stride, int padding, bool bias) {
    return nb_Conv2d_ex(in, out, kernel, (nb_conv_params){.stride = stride, .padding = padding}, bias);
}

nb_module *nb_ConvTranspose2d_ex(int64_t in, int64_t out, int kernel, nb_conv_params p, bool bias) {
    return conv_new(&conv_transpose_kind, in, out, kernel, p, bias);
}

nb_module *nb_ConvTranspose2d(int64_t in, int64_t out, int kernel, int stride, int padding,
                              bool bias) {
    return nb_ConvTranspose2d_ex(in, out, kernel,
                                 (nb_conv_params){.stride = stride, .padding = padding}, bias);
}
