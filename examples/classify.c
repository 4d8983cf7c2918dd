/* classify.c — the libtextclf C API in one small program: reads texts, one
 * per line, from standard input and writes "LABEL<TAB>PROB" per line, as
 * `textclf predict MODEL` does.
 *
 *   cc classify.c $(pkg-config --cflags --libs textclf) -o classify
 *   ./classify model.bin < texts.txt
 *
 * Lines are predicted 256 at a time with textclf_predict_batch, then each
 * decided with textclf_decide (a sigmoid model's labels are joined by '|'). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <textclf.h>

#define GROUP 256

static int flush_group(textclf_model *m, char **texts, size_t *lens, size_t n, float *probs, int *labels, float *lp)
{
    int rc = textclf_predict_batch(m, (const char *const *)texts, lens, n, probs);
    if (rc < 0)
        fprintf(stderr, "classify: %s\n", textclf_errmsg(m));
    int L = textclf_num_labels(m), all = textclf_is_multilabel(m);
    for (size_t i = 0; i < n; i++) {
        int k = rc == 0 ? textclf_decide(m, probs + i * (size_t)L, all ? 0 : 1, labels, lp) : 0;
        for (int j = 0; j < k; j++)
            printf("%s%s", j ? "|" : "", textclf_label_name(m, labels[j]));
        for (int j = 0; j < k; j++)
            printf("%s%.5f", j ? "|" : "\t", lp[j]);
        if (rc == 0 && k == 0)
            putchar('\t');
        if (rc == 0)
            putchar('\n');
        free(texts[i]);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: classify MODEL < texts\n");
        return 2;
    }
    char err[512];
    textclf_model *m = textclf_open(argv[1], err, sizeof err);
    if (!m) {
        fprintf(stderr, "classify: %s\n", err);
        return 1;
    }
    int L = textclf_num_labels(m);
    char *texts[GROUP];
    size_t lens[GROUP], n = 0, cap = 0;
    float *probs = malloc((size_t)GROUP * (size_t)L * sizeof *probs), *lp = malloc((size_t)L * sizeof *lp);
    int *labels = malloc((size_t)L * sizeof *labels), rc = probs && lp && labels ? 0 : 1;
    char *line = NULL;
    ssize_t len;
    while (rc == 0 && (len = getline(&line, &cap, stdin)) >= 0) {
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        texts[n] = line;
        lens[n++] = (size_t)len;
        line = NULL, cap = 0;
        if (n == GROUP) {
            rc = flush_group(m, texts, lens, n, probs, labels, lp) < 0;
            n = 0;
        }
    }
    if (rc == 0 && n)
        rc = flush_group(m, texts, lens, n, probs, labels, lp) < 0;
    free(line), free(probs), free(lp), free(labels);
    textclf_close(m);
    return rc || fflush(stdout) != 0 ? 1 : 0;
}
