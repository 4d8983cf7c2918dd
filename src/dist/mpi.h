/* mpi.h — training over several processes with Open MPI (`make MPI=1`
 * builds build-mpi/textclf with it; the plain build has none of this).
 *
 *     mpirun -n N [--hostfile H] build-mpi/textclf train CONFIG
 *
 * Every process reads and tokenizes the whole training (and validation)
 * data: the vocabulary, the labels and each epoch's row order must be the
 * same everywhere, and they come from the same seeded passes over the same
 * bytes.  So every machine needs the data at the same path (a shared file
 * system, or a copy); the fingerprint in the training state catches copies
 * that differ on --resume.  Each process then computes only its block of
 * every batch's shards (trainer.h: tc_dist) and the shards' results travel
 * to every process (MPI_Allgatherv: per shard its loss, the embedding rows
 * it touched with their gradients — never a dense embedding gradient — and
 * its dense-tail gradient); every process sums them in shard order and takes
 * the same step.  Only process 0 writes the model, checkpoints and metrics.
 *
 * Errors come back as return codes (MPI_ERRORS_RETURN).  If a process dies,
 * Open MPI's launcher ends the others and exits non-zero; files written so
 * far are whole (every write is atomic), so the last checkpoint resumes. */
#ifndef TC_DIST_MPI_H
#define TC_DIST_MPI_H

#include "train/trainer.h"
#include "util/err.h"

typedef struct tc_mpi tc_mpi;

/* MPI_Init and a tc_dist for MPI_COMM_WORLD (d->ctx is the tc_mpi). */
tc_mpi *tc_mpi_start(tc_dist *d, tc_err *err);
/* Exchanges so far and the bytes each process received in them (all records). */
void tc_mpi_traffic(const tc_mpi *c, uint64_t *steps, uint64_t *bytes);
/* Ends MPI: MPI_Finalize when the run ended the same way everywhere, else
 * MPI_Abort(code), which also ends the processes still waiting on this one. */
void tc_mpi_end(tc_mpi *c, int failed, int code);

#endif
