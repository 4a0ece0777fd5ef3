/*
 * Test helpers for the tests of the `iap` commands: a temporary directory
 * for the test group, files in it, and commands called as functions with
 * their stdout and stderr captured.
 */
#ifndef HELPER_CLI_H
#define HELPER_CLI_H

#include <stddef.h>
#include <stdint.h>

/* What the last run() printed, NUL-terminated, cut at the buffer size. */
extern char out_text[8192], err_text[8192];

/* cmocka group setup and teardown: the temporary directory, and its files. */
int cli_setup(void **state);
int cli_teardown(void **state);

/* A path inside the temporary directory; six rotating buffers. */
char *tp(const char *name);

/* Write len bytes to path. Fails the test on error. */
void write_file(const char *path, const void *data, size_t len);

/*
 * Read the whole of path into buf; returns its size. Fails the test unless
 * it can be opened and holds fewer than cap bytes.
 */
size_t read_file(const char *path, uint8_t *buf, size_t cap);

/* Text of path into buf, NUL-terminated, cut at cap - 1 bytes; "" if none. */
void slurp(const char *path, char *buf, size_t cap);

int exists(const char *path);

/* Invert bit 0 of the byte at off in path. */
void flip_byte(const char *path, long off);

/*
 * Run a command with a NULL-terminated argument list (argv[0] is the
 * command name), its output captured into out_text and err_text. Returns
 * what the command returns.
 */
int run(int (*cmd)(int, char **), ...);

/* Fail the test unless what is in text. */
void expect_in(const char *text, const char *what);

#endif /* HELPER_CLI_H */
