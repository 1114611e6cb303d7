/*
 * hashscope: a minimal bridge to the system's libjpeg-turbo (libjpeg API, version 6.2),
 * used only with the cargo feature `libjpeg-turbo` (see src/decode/libjpeg.rs).
 *
 * libjpeg reports fatal errors through a callback that must not return; the usual answer
 * is setjmp/longjmp. Every entry point below calls setjmp itself before it calls into
 * libjpeg, so a longjmp only ever crosses C frames of this file and of libjpeg, never a
 * Rust frame. Errors are returned as a code plus libjpeg's message, copied into `err`.
 *
 * Decoding settings are libjpeg's defaults, which are Pillow's: the accurate integer IDCT
 * (JDCT_ISLOW) and "fancy" (triangular) chroma upsampling, output in RGB; or, on request,
 * output in greyscale (for a YCbCr file, its Y component alone: the chroma components are
 * entropy-decoded but never inverse-transformed, upsampled or converted).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int truncated; /* a "premature end of JPEG file" warning was issued */
} hs_error_mgr;

typedef struct {
    struct jpeg_decompress_struct cinfo;
    hs_error_mgr err;
} hs_jpeg;

/* Public header facts, filled by hs_jpeg_open. */
typedef struct {
    unsigned int width;
    unsigned int height;
    int components;
    int color_space;  /* 1 grey, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK, 0 unknown (J_COLOR_SPACE) */
    int progressive;
    int data_precision;
} hs_jpeg_info;

static void hs_error_exit(j_common_ptr cinfo) {
    hs_error_mgr *e = (hs_error_mgr *)cinfo->err;
    longjmp(e->jump, 1);
}

static void hs_emit_message(j_common_ptr cinfo, int level) {
    hs_error_mgr *e = (hs_error_mgr *)cinfo->err;
    /* Warnings (level -1) are not printed; a premature end of data is remembered, as the
     * caller treats a truncated file as an error (libjpeg would pad it with grey). */
    if (level < 0 && e->pub.msg_code == JWRN_JPEG_EOF) {
        e->truncated = 1;
    }
}

static void hs_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void copy_message(hs_jpeg *h, char *err, size_t errlen) {
    if (err == NULL || errlen == 0) {
        return;
    }
    char buf[JMSG_LENGTH_MAX];
    h->err.pub.format_message((j_common_ptr)&h->cinfo, buf);
    strncpy(err, buf, errlen - 1);
    err[errlen - 1] = '\0';
}

/* Reads the header of `len` bytes at `data` (which must outlive the handle). Returns the
 * handle, or NULL with a message in `err` (the handle is then already freed). */
hs_jpeg *hs_jpeg_open(const unsigned char *data, unsigned long len, long max_memory,
                      hs_jpeg_info *info, char *err, size_t errlen) {
    /* volatile: it is read after a longjmp back into this frame. */
    hs_jpeg *volatile h = (hs_jpeg *)calloc(1, sizeof(hs_jpeg));
    if (h == NULL) {
        if (err != NULL && errlen > 0) {
            strncpy(err, "out of memory", errlen - 1);
            err[errlen - 1] = '\0';
        }
        return NULL;
    }
    h->cinfo.err = jpeg_std_error(&h->err.pub);
    h->err.pub.error_exit = hs_error_exit;
    h->err.pub.emit_message = hs_emit_message;
    h->err.pub.output_message = hs_output_message;
    if (setjmp(h->err.jump)) {
        copy_message(h, err, errlen);
        jpeg_destroy_decompress(&h->cinfo);
        free(h);
        return NULL;
    }
    jpeg_create_decompress(&h->cinfo);
    h->cinfo.mem->max_memory_to_use = max_memory;
    jpeg_mem_src(&h->cinfo, data, len);
    jpeg_read_header(&h->cinfo, TRUE);
    info->width = h->cinfo.image_width;
    info->height = h->cinfo.image_height;
    info->components = h->cinfo.num_components;
    info->color_space = (int)h->cinfo.jpeg_color_space;
    info->progressive = h->cinfo.progressive_mode ? 1 : 0;
    info->data_precision = h->cinfo.data_precision;
    return h;
}

/* Chooses the DCT-domain scale 1/`denom` (1, 2, 4 or 8) and RGB output (greyscale output
 * when `gray` is nonzero), and gives the output size. Returns 0, or -1 with a message in
 * `err`. */
int hs_jpeg_scale(hs_jpeg *h, unsigned int denom, int gray, unsigned int *out_width,
                  unsigned int *out_height, char *err, size_t errlen) {
    if (setjmp(h->err.jump)) {
        copy_message(h, err, errlen);
        return -1;
    }
    h->cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    h->cinfo.dct_method = JDCT_ISLOW;
    h->cinfo.do_fancy_upsampling = TRUE;
    h->cinfo.scale_num = 1;
    h->cinfo.scale_denom = denom;
    jpeg_calc_output_dimensions(&h->cinfo);
    *out_width = h->cinfo.output_width;
    *out_height = h->cinfo.output_height;
    return 0;
}

/* Zigzag index of the coefficient at row r, column c of an 8×8 block (JPEG's scan order). */
static const int zigzag_index[8][8] = {
    {0, 1, 5, 6, 14, 15, 27, 28},     {2, 4, 7, 13, 16, 26, 29, 42},
    {3, 8, 12, 17, 25, 30, 41, 43},   {9, 11, 18, 24, 31, 40, 44, 53},
    {10, 19, 23, 32, 39, 45, 52, 54}, {20, 22, 33, 38, 46, 51, 55, 60},
    {21, 34, 37, 47, 50, 56, 59, 61}, {35, 36, 48, 49, 57, 58, 62, 63},
};

/* Whether enough of a progressive JPEG has been read to output it at the chosen scale.
 * Called when a scan has completed; coef_bits[c][k] is -1 until the first scan carrying
 * coefficient k of component c has started (which has then completed), and then the number
 * of low bits still missing (successive approximation).
 * - At 1/8: every component has its DC terms, to any precision (the lowest AC terms that
 *   2:1-subsampled chroma would use at this scale may still be zero).
 * - At 1/2 and 1/4: every coefficient the scaled inverse DCT reads (the s × s lowest
 *   frequencies of a component decoded at s × s pixels per block) is known to within its
 *   last bit: only the final refinement scans are skipped.
 * Components the output does not need (chroma, for greyscale output) are not waited for. */
static int enough_coefficients(hs_jpeg *h) {
    if (h->cinfo.coef_bits == NULL) {
        return 0;
    }
    int eighth = h->cinfo.scale_denom == 8;
    for (int c = 0; c < h->cinfo.num_components; c++) {
        if (!h->cinfo.comp_info[c].component_needed) {
            continue;
        }
        if (eighth) {
            if (h->cinfo.coef_bits[c][0] < 0) {
                return 0;
            }
            continue;
        }
        int s = h->cinfo.comp_info[c].DCT_scaled_size;
        if (s < 1 || s > 8) {
            return 0;
        }
        for (int r = 0; r < s; r++) {
            for (int k = 0; k < s; k++) {
                int bits = h->cinfo.coef_bits[c][zigzag_index[r][k]];
                if (bits < 0 || bits > 1) {
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* Decodes into `out` (output_width × output_height × output_components bytes: 3 for RGB,
 * 1 for greyscale, `stride` bytes per row).
 * Returns 0, 1 when the data ended early (the rest of the image is libjpeg's grey), or -1
 * with a message in `err`.
 *
 * `early`: for a progressive JPEG decoded at reduced size, stop reading the file once
 * enough_coefficients() holds, and output from libjpeg's coefficient buffer ("buffered
 * image" mode, block smoothing off): an approximation of the whole file's decode at that
 * size. The rest of the file is not checked for errors. */
int hs_jpeg_read(hs_jpeg *h, unsigned char *out, size_t out_len, int early, char *err,
                 size_t errlen) {
    if (setjmp(h->err.jump)) {
        copy_message(h, err, errlen);
        return -1;
    }
    int partial = early && h->cinfo.progressive_mode && h->cinfo.scale_denom > 1 &&
                  h->cinfo.scale_num == 1;
    if (partial) {
        h->cinfo.buffered_image = TRUE;
        h->cinfo.do_block_smoothing = FALSE;
    }
    jpeg_start_decompress(&h->cinfo);
    if (partial) {
        for (;;) {
            int rc = jpeg_consume_input(&h->cinfo);
            if (rc == JPEG_REACHED_EOI || rc == JPEG_SUSPENDED) {
                break;
            }
            if (rc == JPEG_SCAN_COMPLETED && enough_coefficients(h)) {
                break;
            }
        }
        jpeg_start_output(&h->cinfo, h->cinfo.input_scan_number);
    }
    size_t stride = (size_t)h->cinfo.output_width * (size_t)h->cinfo.output_components;
    int components = h->cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
    if (h->cinfo.output_components != components ||
        stride * (size_t)h->cinfo.output_height > out_len) {
        if (err != NULL && errlen > 0) {
            strncpy(err, "output buffer does not match the image", errlen - 1);
            err[errlen - 1] = '\0';
        }
        return -1;
    }
    while (h->cinfo.output_scanline < h->cinfo.output_height) {
        JSAMPROW rows[4];
        int n = 0;
        for (; n < 4 && h->cinfo.output_scanline + (JDIMENSION)n < h->cinfo.output_height; n++) {
            rows[n] = out + stride * (size_t)(h->cinfo.output_scanline + (JDIMENSION)n);
        }
        if (jpeg_read_scanlines(&h->cinfo, rows, (JDIMENSION)n) == 0) {
            break; /* suspended: cannot happen with a memory source, but never loop */
        }
    }
    if (partial) {
        jpeg_finish_output(&h->cinfo);
        /* The remaining scans are not read: abort instead of finishing. */
        jpeg_abort_decompress(&h->cinfo);
    } else {
        jpeg_finish_decompress(&h->cinfo);
    }
    return h->err.truncated ? 1 : 0;
}

/* Frees the handle (after an error too). */
void hs_jpeg_close(hs_jpeg *h) {
    if (h == NULL) {
        return;
    }
    if (setjmp(h->err.jump) == 0) {
        jpeg_destroy_decompress(&h->cinfo);
    }
    free(h);
}
