/* raw_channel.h: for test apps that misbehave on purpose: writes a request
 * by hand on whichever transport the simulator chose (ipcsim_proto.h),
 * bypassing the shim's checks. */
#ifndef RAW_CHANNEL_H
#define RAW_CHANNEL_H

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "ipcsim_mbox.h"
#include "ipcsim_proto.h"

/* The mailbox the shim uses, or NULL on the socket transport. */
static inline struct ipcsim_mbox *raw_mailbox(void)
{
    static struct ipcsim_mbox *mb;
    if (mb == NULL && fcntl(IPCSIM_FD_MAILBOX, F_GETFD) >= 0) {
        void *p =
            mmap(NULL, IPCSIM_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, IPCSIM_FD_MAILBOX, 0);
        if (p != MAP_FAILED)
            mb = p;
    }
    return mb;
}

/* Sends len bytes on the channel socket as the shim sends what gets no
 * answer: on the mailbox transport it counts them in the mailbox, so the
 * simulator reads them before this app's next request (ipcsim_mbox.h). */
static inline void raw_send(const void *buf, size_t len)
{
    send(IPCSIM_FD_CHANNEL, buf, len, MSG_NOSIGNAL);
    struct ipcsim_mbox *mb = raw_mailbox();
    if (mb)
        atomic_fetch_add(&mb->sock_sent, 1);
}

/* Sends a request without waiting for its answer. Returns false if the
 * socket would block or is gone. */
static inline bool raw_request(const struct ipcsim_msg *m)
{
    struct ipcsim_mbox *mb = raw_mailbox();
    if (mb == NULL)
        return send(IPCSIM_FD_CHANNEL, m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL) ==
               (ssize_t)sizeof(*m);
    mb->req = *m;
    /* as the shim posts: the simulator sets it again when it answers
     * another app after taking this request */
    atomic_store_explicit(&mb->blocked, 0, memory_order_relaxed);
    if (ipcsim_mbox_post(&mb->req_seq, &mb->kern_sleeping)) {
        struct ipcsim_msg bell = ipcsim_msg_make(IPCSIM_MSG_DOORBELL, 0);
        return send(IPCSIM_FD_CHANNEL, &bell, sizeof(bell), MSG_DONTWAIT | MSG_NOSIGNAL) ==
               (ssize_t)sizeof(bell);
    }
    return true;
}

#endif
