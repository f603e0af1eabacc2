/* check_mbox.c: Check suite for the mailbox handoff (common/ipcsim_mbox.h):
 * a poll sees a moved word and gives up within its counts; the `blocked`
 * word ends the busy part of a poll at once; and between two processes
 * (fork, a shared anonymous mapping) many round trips complete with no
 * polling at all (every wait sleeps in futex, every post must wake it: a
 * lost wake-up hangs the test) and with polling, including a waiter that
 * flagged itself asleep.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsim_mbox.h"

START_TEST(poll_sees_a_moved_word)
{
    _Atomic uint32_t w = 5;
    struct ipcsim_mbox_spin none = {0, 0};
    ck_assert(ipcsim_mbox_poll(&w, 4, &none, NULL));  /* already moved */
    ck_assert(!ipcsim_mbox_poll(&w, 5, &none, NULL)); /* no polling: at once */
    struct ipcsim_mbox_spin some = {1000, 3};
    ck_assert(!ipcsim_mbox_poll(&w, 5, &some, NULL)); /* gives up after its counts */
}
END_TEST

START_TEST(blocked_ends_the_busy_poll)
{
    /* without the blocked word this poll would spin for about 2^32 pauses
     * (minutes) and the test would time out */
    _Atomic uint32_t w = 1, blocked = 1;
    struct ipcsim_mbox_spin forever = {UINT32_MAX, 0};
    ck_assert(!ipcsim_mbox_poll(&w, 1, &forever, &blocked));
}
END_TEST

START_TEST(spin_for_counts)
{
    struct ipcsim_mbox_spin p = ipcsim_mbox_spin_for(0, 0);
    ck_assert_uint_eq(p.spins, 0);
    ck_assert_uint_eq(p.yields, 0);
    /* at least one of each asked for, however slow a yield is on a busy
     * CPU */
    p = ipcsim_mbox_spin_for(1, 1);
    ck_assert_uint_ge(p.spins, 1);
    ck_assert_uint_ge(p.yields, 1);
    p = ipcsim_mbox_spin_for(1000000, 0); /* 1 ms of pauses: many */
    ck_assert_uint_gt(p.spins, 1);
    ck_assert_uint_eq(p.yields, 0);
}
END_TEST

/* n round trips between a child (the app: post a request, wait for the
 * answer) and this process (the kernel: wait for the request, answer),
 * both with the given polling; returns the child's exit status. */
static int round_trips(unsigned n, struct ipcsim_mbox_spin app, struct ipcsim_mbox_spin kern)
{
    struct ipcsim_mbox *mb =
        mmap(NULL, IPCSIM_MBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(mb, MAP_FAILED);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint32_t rep = 0;
        for (unsigned i = 0; i < n; i++) {
            mb->req.a[0] = i;
            if (ipcsim_mbox_post(&mb->req_seq, &mb->kern_sleeping))
                ipcsim_mbox_wake(&mb->req_seq);
            rep = ipcsim_mbox_wait(&mb->rep_seq, rep, &mb->app_sleeping, &app, &mb->blocked);
            if (mb->rep.a[0] != i + 1)
                _exit(2); /* the answer to another request */
        }
        _exit(0);
    }
    uint32_t seen = 0;
    for (unsigned i = 0; i < n; i++) {
        seen = ipcsim_mbox_wait(&mb->req_seq, seen, &mb->kern_sleeping, &kern, NULL);
        mb->rep.a[0] = mb->req.a[0] + 1;
        if (ipcsim_mbox_post(&mb->rep_seq, &mb->app_sleeping))
            ipcsim_mbox_wake(&mb->rep_seq);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    munmap(mb, IPCSIM_MBOX_SIZE);
    return st;
}

START_TEST(round_trips_sleeping)
{
    /* every wait sleeps: a wake-up lost between "flag asleep" and "post"
     * leaves one side asleep for ever */
    int st = round_trips(20000, (struct ipcsim_mbox_spin){0, 0}, (struct ipcsim_mbox_spin){0, 0});
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(round_trips_polling)
{
    int st = round_trips(50000, ipcsim_mbox_spin_for(2000, 50000), ipcsim_mbox_spin_for(200000, 0));
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(round_trips_short_polls)
{
    /* polls that often give up just before the other side posts: both the
     * polling and the sleeping paths, interleaved */
    int st = round_trips(50000, (struct ipcsim_mbox_spin){20, 1}, (struct ipcsim_mbox_spin){20, 0});
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

static Suite *mbox_suite(void)
{
    Suite *s = suite_create("mbox");
    TCase *tc = tcase_create("handoff");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, poll_sees_a_moved_word);
    tcase_add_test(tc, blocked_ends_the_busy_poll);
    tcase_add_test(tc, spin_for_counts);
    tcase_add_test(tc, round_trips_sleeping);
    tcase_add_test(tc, round_trips_polling);
    tcase_add_test(tc, round_trips_short_polls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mbox_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
