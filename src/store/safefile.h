/* safefile.h — writing a user's outputs without ever losing one of their files.
 *
 * Every file textclf writes (model, checkpoint, metrics, confusion SVG, plot)
 * goes through this module:
 *
 *  - tc_files_distinct: no output is an input or another output.  Files are
 *    compared by identity (device and inode of what the path resolves to,
 *    following symbolic links), not by spelling: "./x.bin", "x.bin", a hard
 *    link and a symlink to it are one file.  Outputs that do not exist yet
 *    compare by their resolved directory and name.
 *  - tc_output_prepare, before any work: the directory exists and is
 *    writable, the file name (and the temporary name beside it) fits the
 *    file system's NAME_MAX, an existing output is a regular file; it takes an
 *    exclusive lock beside the output (flock on "NAME.textclf-lock") so a
 *    second run writing the same file refuses at once, and removes temporary
 *    files that a killed textclf left for this output and no live process
 *    holds.
 *  - tc_write_atomic: writes "NAME.textclf-tmp.XXXXXX" beside the target,
 *    fsyncs it, renames it over the target and fsyncs the directory, so the
 *    target is always the old file or the whole new one.
 *
 * Decisions: an existing output that is not a regular file (device, pipe,
 * socket, directory) is refused, because a rename would replace the node
 * itself (as root, "-o /dev/null" would replace the system's /dev/null); a
 * symbolic link is followed and its target replaced, as cp does, the link
 * stays; a dangling link is refused.  A replaced file keeps its permission
 * bits; a new one gets 0666 less the umask, like fopen.  When NAME is too
 * long for the temporary or lock name, ".textclf-tmp-HASH.XXXXXX" and
 * ".textclf-lock-HASH" (HASH: CRC-32 of NAME in hex) are used instead. */
#ifndef TC_SAFEFILE_H
#define TC_SAFEFILE_H

#include <stddef.h>

#include "util/err.h"

typedef struct tc_fileref {
    const char *path; /* NULL or "" = not used */
    const char *what; /* for messages: "-o (output.model)", "data.train", … */
    int output;       /* 1 if written */
} tc_fileref;

/* -1 with "WHAT PATH is the same file as WHAT PATH" if an output is an input
 * or another output.  Inputs that cannot be stat'ed are skipped (reading them
 * reports that). */
int tc_files_distinct(const tc_fileref *f, int n, tc_err *err);

/* -1 with "WHAT PATH is in DIRWHAT DIR" if an input f[i] lies directly in
 * folder dir (compared by identity): a folder whose files a run writes and
 * removes by name must hold none of its inputs.  Inputs that cannot be
 * found are skipped. */
int tc_files_outside(const tc_fileref *f, int n, const char *dir, const char *dirwhat, tc_err *err);

typedef struct tc_outlock {
    int fd;     /* -1 when not held */
    char *path; /* the lock file */
} tc_outlock;

#define TC_OUTLOCK_INIT \
    {                   \
        -1, NULL        \
    }

/* Checks that path can be written (see above), takes its lock into *lock and
 * removes stale temporary files; what names the output in messages.  Release
 * with tc_outlock_release (which also removes the lock file). */
int tc_output_prepare(const char *path, const char *what, tc_outlock *lock, tc_err *err);
void tc_outlock_release(tc_outlock *lock);

/* Writes len bytes to path atomically (see above). */
int tc_write_atomic(const char *path, const void *data, size_t len, tc_err *err);
/* The same for the concatenation of nparts pieces (pieces of n = 0 are
 * skipped): a model file is written from its small sections and straight
 * from the weights, with no copy of the whole file in memory. */
typedef struct tc_wpart {
    const void *p;
    size_t n;
} tc_wpart;
int tc_write_atomic_parts(const char *path, const tc_wpart *parts, int nparts, tc_err *err);

/* Makes path the file from (which stays): a hard link under a temporary
 * name beside path, renamed over it, so the switch is atomic and copies
 * nothing; path keeps its permission bits.  The same checks as
 * tc_write_atomic.  -1 with errno-style message when linking is not
 * possible there (another file system: the caller copies instead). */
int tc_link_atomic(const char *from, const char *path, tc_err *err);

/* Removes the temporary files of writes into path that a killed process
 * left: only names tc_write_atomic gives, only files no process holds (a
 * writer holds a flock on its temporary file until the rename).  Returns how
 * many. */
int tc_remove_stale_temps(const char *path);

#endif
