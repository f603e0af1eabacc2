/* ipcsvc_internal.h: what ipcsvc.c offers the backends beyond the public
 * service API (ipcsvc.h). Not a public interface. */
#ifndef IPCSVC_INTERNAL_H
#define IPCSVC_INTERNAL_H

#include <ipcsvc.h>

#include <string.h>

#include <ipcsim/app.h>

/* memcpy of n payload or buffer bytes, declared to the simulator as the
 * app's own work (ipcsim_compute_copy): a board spends cycles on it, so a
 * backend that copies in userspace is charged for it like the kernel's
 * copies. Fixed-size header copies use plain memcpy. */
static inline void ipcsvc_copy(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    ipcsim_compute_copy((uint32_t)n);
}

/* buf_alloc for a backend whose attached buffers are plain heap memory
 * (the kernel copies them, nothing is shared): len zeroed bytes in slot
 * `slot` of c; RETURNCODE_ENOMEM when the heap has none. */
int ipcsvc_heap_buf_alloc(ipcsvc_conn_t *c, unsigned slot, uint32_t len, enum ipcsvc_buf_mode mode,
                          void **out);

/* A subscribe upcall that only sets the volatile bool `flag` points to
 * (for ipcsvc_wait): subscribe it with the flag's address as its opaque
 * value. */
void ipcsvc_upcall_set_flag(int arg0, int arg1, int arg2, void *flag);

#endif /* IPCSVC_INTERNAL_H */
