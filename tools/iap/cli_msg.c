/*
 * iap - the messages a command ends with: a usage error or a failure, each
 * one line on stderr that names the command.
 */
#include <stdarg.h>
#include <stdio.h>

#include "iap_cli.h"

static void say(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "iap %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

int iap_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'iap %s --help'.\n", cmd);
	return 2;
}

int iap_failure(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cmd, fmt, ap);
	va_end(ap);
	return 1;
}
