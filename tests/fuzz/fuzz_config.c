/* fuzz_config.c — the YAML config loader (config.h) and --set parser.
 *
 * Input byte 0 chooses the entry point: even = the input is a config file
 * (tc_config_load_string), odd = the input is one "--set key=value" argument
 * (tc_config_set).  Properties:
 *   - a failed load leaves the config exactly as it was (loads are atomic)
 *     and says why in a one-line message;
 *   - a successful load round-trips: tc_config_to_yaml, loaded into fresh
 *     defaults, gives the same YAML again. */
#include <string.h>

#include "config.h"
#include "fuzz.h"

static void config_roundtrip(const tc_config *c)
{
    tc_err err = {{0}};
    char *y1 = tc_config_to_yaml(c, &err);
    FUZZ_CHECK(y1);
    tc_config back;
    tc_config_defaults(&back);
    if (tc_config_load_string(&back, y1, strlen(y1), "<roundtrip>", &err) < 0) {
        fprintf(stderr, "round trip failed: %s\n--- yaml ---\n%s\n", err.msg, y1);
        FUZZ_CHECK(!"the YAML written by tc_config_to_yaml loads");
    }
    char *y2 = tc_config_to_yaml(&back, &err);
    FUZZ_CHECK(y2);
    FUZZ_CHECK(strcmp(y1, y2) == 0);
    free(y1);
    free(y2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int set = data[0] & 1;
    data++, size--;
    tc_config *c = malloc(sizeof *c), *before = malloc(sizeof *before);
    FUZZ_CHECK(c && before);
    tc_config_defaults(c);
    memcpy(before, c, sizeof *c);
    tc_err err = {{0}};
    int rc;
    if (set) {
        char *arg = malloc(size + 1);
        FUZZ_CHECK(arg);
        memcpy(arg, data, size);
        arg[size] = 0;
        rc = tc_config_set(c, arg, &err);
        free(arg);
    } else {
        /* an exact-size copy, so reading past len is caught */
        char *yaml = malloc(size ? size : 1);
        FUZZ_CHECK(yaml);
        memcpy(yaml, data, size);
        rc = tc_config_load_string(c, yaml, size, "<fuzz>", &err);
        free(yaml);
    }
    if (rc < 0) {
        FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
        FUZZ_CHECK(memcmp(c, before, sizeof *c) == 0);
    } else {
        FUZZ_CHECK(rc == 0);
        config_roundtrip(c);
        tc_config_validate(c, &err);
    }
    free(c);
    free(before);
    return 0;
}
