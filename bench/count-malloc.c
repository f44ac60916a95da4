/* A counting allocator (LD_PRELOAD): counts malloc-family calls and prints the total at exit to the file
 * named by COUNT_MALLOC_OUT. Used by scripts/benchmark.sh to measure heap allocations per packet. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <malloc.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static atomic_ulong calls;

void *malloc(size_t n) { atomic_fetch_add(&calls, 1); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { atomic_fetch_add(&calls, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { atomic_fetch_add(&calls, 1); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { atomic_fetch_add(&calls, 1); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { atomic_fetch_add(&calls, 1); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    atomic_fetch_add(&calls, 1);
    *out = __libc_memalign(a, n);
    return *out ? 0 : 12;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("COUNT_MALLOC_OUT");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (f) { fprintf(f, "%lu\n", (unsigned long)atomic_load(&calls)); fclose(f); }
}
