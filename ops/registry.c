/* registry.c — the op table: one row per primitive of ops/ops.def, naming its
 * vector-Jacobian product nb_bw_<name>, defined beside its forward. */
#include "nb_internal.h"

#define NB_OP(id, name) void nb_bw_##name(nb_node *, nb_tensor *, nb_tensor **, const bool *);
#include "ops.def"
#undef NB_OP

const nb_op_info nb_op_table[NB_OP_COUNT] = {
#define NB_OP(id, name) [NB_OP_##id] = {#name, nb_bw_##name},
#include "ops.def"
#undef NB_OP
};
