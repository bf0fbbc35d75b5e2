/* module_internal.h — what the module-tree files share with each other and
 * layers do not need: the structure generation that invalidates cached name
 * lists, and strings in an arena. */
#ifndef NB_MODULE_INTERNAL_H
#define NB_MODULE_INTERNAL_H

#include "nb_internal.h"
#include "nb_models.h"

/* Bumped whenever any module gains a parameter, buffer or child. */
void nb_module_changed(void);
unsigned long nb_module_generation(void);

/* a + b as a new string in arena a (b may be NULL) */
char *nb_arena_concat(nb_arena *a, const char *s1, const char *s2);

#endif
