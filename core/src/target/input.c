/*
 * Reading a whole core into anonymous memory (see input.h), through the
 * Debian libraries for each format: libzstd, liblzma and liblz4's frame
 * API.  Each decoder fills a small bounce buffer; the sink copies the
 * buffer's non-zero bytes into a growing anonymous mapping.  Every offset
 * of the mapping is written at most once and fresh anonymous memory reads
 * as zero, so skipping zero bytes leaves them right and the pages never
 * touched cost nothing: a 1 GB core that is mostly reserved address space
 * takes only its real bytes.
 */
#include <errno.h>
#include <lz4frame.h>
#include <lzma.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "target/input.h"

#define CHUNK (1u << 20)
#define PAGE 4096u

enum hc_input_kind hc_input_kind(const uint8_t *head, size_t n)
{
	if (n >= 4 && memcmp(head, "\x28\xb5\x2f\xfd", 4) == 0)
		return HC_INPUT_ZSTD;
	if (n >= 6 && memcmp(head, "\xfd" "7zXZ\0", 6) == 0)
		return HC_INPUT_XZ;
	if (n >= 4 && memcmp(head, "\x04\x22\x4d\x18", 4) == 0)
		return HC_INPUT_LZ4;
	return HC_INPUT_PLAIN;
}

const char *hc_input_kind_name(enum hc_input_kind kind)
{
	switch (kind) {
	case HC_INPUT_ZSTD:
		return "zstd-compressed";
	case HC_INPUT_XZ:
		return "xz-compressed";
	case HC_INPUT_LZ4:
		return "lz4-compressed";
	case HC_INPUT_PLAIN:
		break;
	}
	return NULL;
}

/* Where decoded bytes go. */
struct sink {
	struct hc_input_image *img;
	const char *name;
};

static bool all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zeros[PAGE];
	while (n) {
		size_t k = n < PAGE ? n : PAGE;
		if (memcmp(p, zeros, k) != 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

static struct hc_error *sink_write(struct sink *s, const uint8_t *p, size_t n)
{
	struct hc_input_image *img = s->img;
	if (n > img->cap - img->size) {
		size_t cap = img->cap;
		while (n > cap - img->size) {
			if (cap > SIZE_MAX / 2)
				return &hc_enomem;
			cap *= 2;
		}
		void *q = mremap(img->data, img->cap, cap, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return hc_error_format(HC_ERROR_NO_MEMORY,
					       "%s: out of memory holding the decompressed core (%zu bytes so far)",
					       s->name, img->size);
		img->data = q;
		img->cap = cap;
	}
	/* Page by page of the destination: zero bytes are already there. */
	while (n) {
		size_t in_page = PAGE - img->size % PAGE;
		size_t k = n < in_page ? n : in_page;
		if (!all_zero(p, k))
			memcpy(img->data + img->size, p, k);
		img->size += k;
		p += k;
		n -= k;
	}
	return NULL;
}

/* The next bytes of the input: the head first, then the file. */
struct source {
	int fd;
	const char *name;
	const uint8_t *head;
	size_t nhead;
	uint8_t *buf;
};

/* Up to CHUNK bytes into src->buf; 0 at the end. */
static struct hc_error *source_read(struct source *src, size_t *ret)
{
	if (src->nhead) {
		size_t n = src->nhead < CHUNK ? src->nhead : CHUNK;
		memcpy(src->buf, src->head, n);
		src->head += n;
		src->nhead -= n;
		*ret = n;
		return NULL;
	}
	for (;;) {
		ssize_t n = read(src->fd, src->buf, CHUNK);
		if (n >= 0) {
			*ret = (size_t)n;
			return NULL;
		}
		if (errno != EINTR)
			return hc_error_os(errno, src->name, "cannot read");
	}
}

/* The stream ends inside a frame: keep what was decoded, as a cut core. */
static struct hc_error *cut_short(struct sink *out)
{
	out->img->cut = true;
	return NULL;
}

static struct hc_error *copy_plain(struct source *src, struct sink *out)
{
	for (;;) {
		size_t n;
		struct hc_error *err = source_read(src, &n);
		if (err || n == 0)
			return err;
		if ((err = sink_write(out, src->buf, n)))
			return err;
	}
}

static struct hc_error *decode_zstd(struct source *src, struct sink *out, uint8_t *obuf)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return &hc_enomem;
	/* zstd --long=31 writes windows past the default limit (2^27). */
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 31);
	struct hc_error *err = NULL;
	size_t last = 0;
	for (;;) {
		size_t n;
		if ((err = source_read(src, &n)))
			break;
		if (n == 0) {
			if (last != 0)
				err = cut_short(out);
			break;
		}
		ZSTD_inBuffer in = {src->buf, n, 0};
		while (!err && (in.pos < in.size)) {
			ZSTD_outBuffer o = {obuf, CHUNK, 0};
			last = ZSTD_decompressStream(z, &o, &in);
			if (ZSTD_isError(last)) {
				err = hc_error_format(HC_ERROR_BAD_DATA, "%s: corrupt zstd data: %s",
						      src->name, ZSTD_getErrorName(last));
				break;
			}
			err = sink_write(out, obuf, o.pos);
		}
		/* Flush what the decoder still holds for this input. */
		while (!err && last != 0) {
			ZSTD_outBuffer o = {obuf, CHUNK, 0};
			ZSTD_inBuffer none = {NULL, 0, 0};
			last = ZSTD_decompressStream(z, &o, &none);
			if (ZSTD_isError(last)) {
				err = hc_error_format(HC_ERROR_BAD_DATA, "%s: corrupt zstd data: %s",
						      src->name, ZSTD_getErrorName(last));
				break;
			}
			if (o.pos == 0)
				break;
			err = sink_write(out, obuf, o.pos);
		}
		if (err)
			break;
	}
	ZSTD_freeDStream(z);
	return err;
}

static struct hc_error *decode_xz(struct source *src, struct sink *out, uint8_t *obuf)
{
	lzma_stream z = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return &hc_enomem;
	struct hc_error *err = NULL;
	bool eof = false;
	for (;;) {
		if (z.avail_in == 0 && !eof) {
			size_t n;
			if ((err = source_read(src, &n)))
				break;
			z.next_in = src->buf;
			z.avail_in = n;
			eof = n == 0;
		}
		z.next_out = obuf;
		z.avail_out = CHUNK;
		lzma_ret r = lzma_code(&z, eof ? LZMA_FINISH : LZMA_RUN);
		if ((err = sink_write(out, obuf, CHUNK - z.avail_out)))
			break;
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_BUF_ERROR && eof) {
			err = cut_short(out);
			break;
		}
		if (r == LZMA_MEM_ERROR) {
			err = &hc_enomem;
			break;
		}
		if (r != LZMA_OK) {
			err = hc_error_format(HC_ERROR_BAD_DATA, "%s: corrupt xz data (liblzma error %d)",
					      src->name, (int)r);
			break;
		}
	}
	lzma_end(&z);
	return err;
}

static struct hc_error *decode_lz4(struct source *src, struct sink *out, uint8_t *obuf)
{
	LZ4F_dctx *z;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&z, LZ4F_VERSION)))
		return &hc_enomem;
	struct hc_error *err = NULL;
	size_t last = 1;
	for (;;) {
		size_t n;
		if ((err = source_read(src, &n)))
			break;
		if (n == 0) {
			if (last != 0)
				err = cut_short(out);
			break;
		}
		size_t pos = 0;
		/* Until this input is consumed and the decoder holds no more output. */
		for (;;) {
			size_t osize = CHUNK, isize = n - pos;
			size_t r = LZ4F_decompress(z, obuf, &osize, src->buf + pos, &isize, NULL);
			if (LZ4F_isError(r)) {
				err = hc_error_format(HC_ERROR_BAD_DATA, "%s: corrupt lz4 data: %s",
						      src->name, LZ4F_getErrorName(r));
				break;
			}
			/* 0 when a frame ended; an idle call hints at the next frame's header. */
			if (isize || osize)
				last = r;
			pos += isize;
			if ((err = sink_write(out, obuf, osize)))
				break;
			if (pos == n && osize == 0)
				break;
		}
		if (err)
			break;
	}
	LZ4F_freeDecompressionContext(z);
	return err;
}

struct hc_error *hc_input_read(int fd, const char *name, enum hc_input_kind kind,
			       const uint8_t *head, size_t nhead,
			       struct hc_input_image *ret)
{
	struct hc_input_image img = {.cap = 64u << 20};
	img.data = mmap(NULL, img.cap, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (img.data == MAP_FAILED)
		return &hc_enomem;
	uint8_t *bufs = malloc(2 * (size_t)CHUNK);
	if (!bufs) {
		munmap(img.data, img.cap);
		return &hc_enomem;
	}
	struct source src = {fd, name, head, nhead, bufs};
	struct sink out = {&img, name};
	struct hc_error *err;
	switch (kind) {
	case HC_INPUT_ZSTD:
		err = decode_zstd(&src, &out, bufs + CHUNK);
		break;
	case HC_INPUT_XZ:
		err = decode_xz(&src, &out, bufs + CHUNK);
		break;
	case HC_INPUT_LZ4:
		err = decode_lz4(&src, &out, bufs + CHUNK);
		break;
	default:
		err = copy_plain(&src, &out);
		break;
	}
	free(bufs);
	if (err) {
		hc_input_image_free(&img);
		return err;
	}
	*ret = img;
	return NULL;
}

void hc_input_image_free(struct hc_input_image *img)
{
	if (img->data && img->data != MAP_FAILED)
		munmap(img->data, img->cap);
	memset(img, 0, sizeof(*img));
}
