/*
 * Error objects.  Every fallible function returns a struct hc_error * that is
 * NULL on success; the caller owns a non-NULL error and frees it with
 * hc_error_destroy().  Out-of-memory is a static error so that reporting it
 * never needs memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/internal.h"

struct hc_error hc_enomem = {
	.code = HC_ERROR_NO_MEMORY,
	.message = (char *)"out of memory",
};

struct hc_error *hc_error_create(enum hc_error_code code, const char *msg)
{
	struct hc_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &hc_enomem;
	err->code = code;
	err->message = strdup(msg);
	if (!err->message) {
		free(err);
		return &hc_enomem;
	}
	return err;
}

static struct hc_error *error_vformat(enum hc_error_code code,
				      const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		return &hc_enomem;
	hc_text_sanitize(msg); /* it may quote names read from a damaged core */
	struct hc_error *err = calloc(1, sizeof(*err));
	if (!err) {
		free(msg);
		return &hc_enomem;
	}
	err->code = code;
	err->message = msg;
	return err;
}

struct hc_error *hc_error_format(enum hc_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct hc_error *err = error_vformat(code, fmt, ap);
	va_end(ap);
	return err;
}

struct hc_error *hc_error_os(int errnum, const char *path, const char *what)
{
	struct hc_error *err = hc_error_format(HC_ERROR_OS, "%s %s: %s", what,
					       path, strerror(errnum));
	if (err != &hc_enomem)
		err->errnum = errnum;
	return err;
}

struct hc_error *hc_error_fault(uint64_t address, const char *why)
{
	struct hc_error *err = hc_error_format(HC_ERROR_FAULT,
					       "address 0x%" PRIx64 " %s",
					       address, why);
	if (err != &hc_enomem)
		err->address = address;
	return err;
}

struct hc_error *hc_error_prefix(struct hc_error *err, const char *fmt, ...)
{
	if (!err || err == &hc_enomem)
		return err;
	char *prefix;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err;
	char *msg;
	if (asprintf(&msg, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(prefix);
	return err;
}

enum hc_error_code hc_error_code(const struct hc_error *err)
{
	return err->code;
}

const char *hc_error_message(const struct hc_error *err)
{
	return err->message;
}

int hc_error_errno(const struct hc_error *err)
{
	return err->errnum;
}

uint64_t hc_error_address(const struct hc_error *err)
{
	return err->address;
}

void hc_error_destroy(struct hc_error *err)
{
	if (!err || err == &hc_enomem)
		return;
	free(err->message);
	free(err);
}

const char *hc_version(void)
{
	return HC_VERSION_STRING;
}

void hc_free(void *ptr)
{
	free(ptr);
}
