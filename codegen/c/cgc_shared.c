/* The C backend's parts that another backend reuses (codegen/c_shared.h): the header <prefix>.h,
 * composed from the plain or the decoder parts, and the weights file. */
#include "cgc.h"
#include "../c_shared.h"

void cg_c_write_header(FILE *f, const CgModule *m, const CgOptions *opt) {
    cgc_write_header_begin(f, m, opt);
    if (m->is_decoder)
        cgc_decoder_write_header(f, m, opt);
    else
        cgc_write_run_decl(f, m->g, opt);
    cgc_write_header_end(f, opt);
}

bool cg_c_write_weights_file(const CgModule *m, const char *path, Diag *d) {
    return cgc_weights_write_file(m, path, d);
}
