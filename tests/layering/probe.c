/*
** probe.c — one translation unit that includes the header named by
** SW_PROBE_HEADER and nothing else of ours. tests/layering/CMakeLists.txt
** compiles it as if it were a file of one layer (that layer's link
** dependencies and, for a layer's own folder, its private include folder):
** the allowed includes must build, the wrong-way ones must not.
*/
#include SW_PROBE_HEADER

int sw_probe(void);
int sw_probe(void) { return 0; }
