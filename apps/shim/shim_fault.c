/* shim_fault.c: turns a hard fault of the app (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGABRT) into a FAULT report to the simulator, with the faulting
 * address, the kind of access and the program counter. */
#include "shim_internal.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static void shim_fault_handler(int sig, siginfo_t *si, void *uc_arg)
{
#if defined(__x86_64__)
    if (sig == SIGSEGV) {
        ucontext_t *u = uc_arg;
        bool write = (u->uc_mcontext.gregs[REG_ERR] & 2) != 0;
        if (shim_mpu_on_segv((uintptr_t)si->si_addr, write, uc_arg))
            return; /* a permitted access to a partly accessible page */
    }
#endif
    if (sig == SIGTRAP && shim_mpu_on_trap(uc_arg))
        return; /* the single-stepped access is done */
    struct ipcsim_msg m = ipcsim_msg_make(IPCSIM_MSG_FAULT, 0);
    m.a[0] = (uint64_t)sig;
    m.a[1] = shim_to_sim(si->si_addr);
    m.a[2] = IPCSIM_ACCESS_UNKNOWN;
#if defined(__x86_64__)
    ucontext_t *uc = uc_arg;
    m.a[3] = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    if (sig == SIGSEGV)
        m.a[2] = (uc->uc_mcontext.gregs[REG_ERR] & 2) ? IPCSIM_ACCESS_WRITE : IPCSIM_ACCESS_READ;

#else
    (void)uc_arg;
#endif
    shim_send(&m);
    _exit(128 + sig);
}

void shim_install_fault_handlers(void)
{
    /* The handler runs on its own stack outside simulated memory, so a
     * stack overflow of the app can still be reported. */
    static const size_t alt_size = 64 * 1024;
    void *alt = mmap(NULL, alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (alt != MAP_FAILED) {
        stack_t ss = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
        sigaltstack(&ss, NULL);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = shim_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}
