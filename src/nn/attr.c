/*
 * attr.c - reading TF.js node attributes from model.json. TF.js stores them as protobuf-JSON:
 * {"i": "3"} (int64 as a string), {"f": 0.5}, {"b": true}, {"s": "<base64>"}, {"type": "DT_FLOAT"},
 * {"list": {"i": ["1","2"]}} / {"list": {"s": [...]}} (an empty list is {"list": {}}).
 * Every reader returns 1 when found and well-formed, 0 when absent, -1 when malformed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

static json_t *attr_get(const nn__node *n, const char *key)
{
    if (!n->attr || !json_is_object(n->attr)) return NULL;
    json_t *a = json_object_get(n->attr, key);
    return json_is_object(a) ? a : NULL;
}

static int json_to_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || *end) return -1;
        *out = (int64_t)x;
        return 1;
    }
    return -1;
}

int nn__attr_int(const nn__node *n, const char *key, int64_t *v)
{
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *i = json_object_get(a, "i");
    if (!i) return -1;
    return json_to_int(i, v);
}

int nn__attr_ints(const nn__node *n, const char *key, int64_t *v, int cap, int *count)
{
    *count = 0;
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *l = json_object_get(a, "list");
    if (!json_is_object(l)) return -1;
    json_t *arr = json_object_get(l, "i");
    if (!arr) return 1;  /* empty list */
    if (!json_is_array(arr) || json_array_size(arr) > (size_t)cap) return -1;
    for (size_t k = 0; k < json_array_size(arr); k++)
        if (json_to_int(json_array_get(arr, k), &v[k]) < 0) return -1;
    *count = (int)json_array_size(arr);
    return 1;
}

int nn__attr_bool(const nn__node *n, const char *key, int *v)
{
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *b = json_object_get(a, "b");
    if (!json_is_boolean(b)) return -1;
    *v = json_is_true(b);
    return 1;
}

int nn__attr_float(const nn__node *n, const char *key, double *v)
{
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *f = json_object_get(a, "f");
    if (!json_is_number(f)) return -1;
    *v = json_number_value(f);
    return 1;
}

static int b64_str(const json_t *s, char *buf, size_t cap)
{
    if (!json_is_string(s) || cap == 0) return -1;
    const char *t = json_string_value(s);
    long len = nn__base64_decode(t, strlen(t), (uint8_t *)buf, cap - 1);
    if (len < 0) return -1;
    buf[len] = 0;
    if (strlen(buf) != (size_t)len) return -1;  /* embedded NUL */
    return 1;
}

int nn__attr_str(const nn__node *n, const char *key, char *buf, size_t cap)
{
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    return b64_str(json_object_get(a, "s"), buf, cap);
}

int nn__attr_strs(const nn__node *n, const char *key, int i, char *buf, size_t cap, int *count)
{
    *count = 0;
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *l = json_object_get(a, "list");
    if (!json_is_object(l)) return -1;
    json_t *arr = json_object_get(l, "s");
    if (!arr) return 1;
    if (!json_is_array(arr)) return -1;
    *count = (int)json_array_size(arr);
    if (i < 0 || i >= *count) return 1;
    return b64_str(json_array_get(arr, (size_t)i), buf, cap);
}

int nn__dtype_parse(const char *s, nn__dtype *t)
{
    if (!strcmp(s, "DT_FLOAT") || !strcmp(s, "float32")) *t = NN__F32;
    else if (!strcmp(s, "DT_INT32") || !strcmp(s, "int32")) *t = NN__I32;
    else if (!strcmp(s, "DT_BOOL") || !strcmp(s, "bool")) *t = NN__BOOL;
    else return -1;
    return 0;
}

int nn__attr_type(const nn__node *n, const char *key, nn__dtype *t)
{
    json_t *a = attr_get(n, key);
    if (!a) return 0;
    json_t *s = json_object_get(a, "type");
    if (!json_is_string(s)) return -1;
    return nn__dtype_parse(json_string_value(s), t) < 0 ? -1 : 1;
}
