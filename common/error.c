/* Located error messages ("file:line:column: text"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cjd/common/error.h"

void cjd_error_clear(struct cjd_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int cjd_error_vset(struct cjd_error *err, int code, const char *file, int line, int column,
		   const char *fmt, va_list ap)
{
	if (!err)
		return code;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	return code;
}

int cjd_error_set(struct cjd_error *err, int code, const char *file, int line, int column,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cjd_error_vset(err, code, file, line, column, fmt, ap);
	va_end(ap);
	return code;
}

const char *cjd_error_format(const struct cjd_error *err, char *buf, size_t len)
{
	if (err->line > 0 && err->column > 0)
		snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->column, err->text);
	else if (err->line > 0)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->text);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->text);
	else
		snprintf(buf, len, "%s", err->text);
	return buf;
}

int cjd_errno_config(int rc)
{
	return rc == -ENOMEM ? rc : -EINVAL;
}

int cjd_errno_runtime(int rc)
{
	return rc == -EINVAL ? -EIO : rc;
}
