/* vram_idmap.c - trace ids (arbitrary 64-bit numbers) to what the replay holds for them: open
 * addressing with tombstones, rebuilt when live entries plus tombstones pass half the table. */
#include <stdlib.h>

#include "vram_cmds.h"

static size_t hash(uint64_t id, size_t cap) { return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1); }

static int rebuild(vram_idmap *m)
{
    size_t nc = 1024;
    while (nc < (m->n + 1) * 4) nc *= 2;
    vram_idmap_slot *ns = calloc(nc, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].used == 1) {
            size_t h = hash(m->s[i].id, nc);
            while (ns[h].used) h = (h + 1) & (nc - 1);
            ns[h] = m->s[i];
        }
    free(m->s);
    m->s = ns;
    m->cap = nc;
    m->filled = m->n;
    return 0;
}

vram_idmap_slot *vram_idmap_find(vram_idmap *m, uint64_t id, int insert)
{
    if (insert && (m->filled + 1) * 2 > m->cap && rebuild(m) < 0) return NULL;
    if (!m->cap) return NULL;
    size_t h = hash(id, m->cap);
    vram_idmap_slot *tomb = NULL;
    while (m->s[h].used) {
        if (m->s[h].used == 1 && m->s[h].id == id) return &m->s[h];
        if (m->s[h].used == 2 && !tomb) tomb = &m->s[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (!insert) return NULL;
    vram_idmap_slot *s = tomb ? tomb : &m->s[h];
    if (!tomb) m->filled++;
    s->used = 1;
    s->id = id;
    s->ptr = NULL;
    s->sid = 0;
    s->size = 0;
    s->tag = 0;
    m->n++;
    return s;
}

void vram_idmap_remove(vram_idmap *m, vram_idmap_slot *s)
{
    s->used = 2;
    m->n--;
}

void vram_idmap_free(vram_idmap *m)
{
    free(m->s);
    m->s = NULL;
    m->cap = m->n = m->filled = 0;
}
