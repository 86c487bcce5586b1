#include "patron/alloc.h"
#include "patron/log.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
    pt_log(PT_LOG_ERROR, "out of memory (asked for %zu bytes)", size);
    abort();
}

void *pt_xmalloc(size_t size)
{
    void *pointer = malloc(size ? size : 1);
    if (pointer == NULL)
        out_of_memory(size);
    return pointer;
}

void *pt_xcalloc(size_t count, size_t size)
{
    void *pointer = calloc(count ? count : 1, size ? size : 1);
    if (pointer == NULL)
        out_of_memory(count * size);
    return pointer;
}

void *pt_xrealloc(void *pointer, size_t size)
{
    void *resized = realloc(pointer, size ? size : 1);
    if (resized == NULL)
        out_of_memory(size);
    return resized;
}

char *pt_xstrdup(const char *string)
{
    return pt_xstrndup(string, strlen(string));
}

char *pt_xstrndup(const char *string, size_t length)
{
    char *copy = pt_xmalloc(length + 1);
    memcpy(copy, string, length);
    copy[length] = '\0';
    return copy;
}

/* ---------------------------------------------------------------- arena */

enum { ARENA_CHUNK_SIZE = 16384 };

struct pt_arena_chunk {
    struct pt_arena_chunk *next;
    size_t size;
    alignas(max_align_t) unsigned char bytes[];
};

void pt_arena_init(struct pt_arena *arena)
{
    arena->head = NULL;
    arena->used = 0;
}

void pt_arena_dispose(struct pt_arena *arena)
{
    struct pt_arena_chunk *chunk = arena->head;
    while (chunk != NULL) {
        struct pt_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
    arena->used = 0;
}

void *pt_arena_alloc(struct pt_arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (arena->head == NULL || arena->used + size > arena->head->size) {
        /* A large allocation gets a chunk of its own; the current chunk keeps
         * serving small ones, so one big body does not waste the rest. */
        size_t chunk_size = size > ARENA_CHUNK_SIZE / 2 ? size : ARENA_CHUNK_SIZE;
        struct pt_arena_chunk *chunk = pt_xmalloc(sizeof(*chunk) + chunk_size);
        chunk->size = chunk_size;
        if (chunk_size > ARENA_CHUNK_SIZE / 2 && arena->head != NULL) {
            chunk->next = arena->head->next;
            arena->head->next = chunk;
            return chunk->bytes;
        }
        chunk->next = arena->head;
        arena->head = chunk;
        arena->used = 0;
    }
    void *pointer = arena->head->bytes + arena->used;
    arena->used += size;
    return pointer;
}

char *pt_arena_strndup(struct pt_arena *arena, const char *string, size_t length)
{
    char *copy = pt_arena_alloc(arena, length + 1);
    memcpy(copy, string, length);
    copy[length] = '\0';
    return copy;
}
