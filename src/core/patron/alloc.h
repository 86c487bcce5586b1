/* Allocation that aborts on out-of-memory, and the per-request arena.
 *
 * Running out of memory on a server this small means the machine is already
 * lost; aborting keeps every caller free of NULL checks that could never be
 * exercised. */
#ifndef PATRON_ALLOC_H
#define PATRON_ALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/strdup, but never return NULL. Free with free(). */
void *pt_xmalloc(size_t size);
void *pt_xcalloc(size_t count, size_t size);
void *pt_xrealloc(void *pointer, size_t size);
char *pt_xstrdup(const char *string);
char *pt_xstrndup(const char *string, size_t length);

struct pt_arena_chunk;

/* A bump allocator: everything allocated from it is freed at once by
 * pt_arena_dispose. Not thread-safe; one arena belongs to one request. */
struct pt_arena {
    struct pt_arena_chunk *head; /* newest chunk, allocations come from here */
    size_t used;                 /* bytes used in head */
};

void pt_arena_init(struct pt_arena *arena);
void pt_arena_dispose(struct pt_arena *arena);
/* Memory aligned for any type, owned by the arena. */
void *pt_arena_alloc(struct pt_arena *arena, size_t size);
char *pt_arena_strndup(struct pt_arena *arena, const char *string, size_t length);

#endif
