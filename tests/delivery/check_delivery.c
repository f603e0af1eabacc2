/* check_delivery.c: Check suite for the lost-message checks of `ipcsim
 * fuzz` (sim/delivery.h), fed by hand what a trace would say: a message
 * delivered or dropped for a documented reason passes; one left open when
 * its receiver ends or restarts is lost; a drop blamed on the end of a
 * receiver or sender that goes on running is flagged, one whose end comes
 * later in the same instant is not; a message delivered to a later
 * incarnation than the one it was queued to is flagged; an undocumented
 * drop reason is flagged.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "delivery.h"
#include "km.h"

static const char *const names[] = {"client", "server", "other"};
enum { CLIENT, SERVER, OTHER };

static struct dlv *fresh(void)
{
    struct dlv *d = dlv_new(3, names);
    ck_assert_ptr_nonnull(d);
    dlv_started(d, CLIENT, 1, 10);
    dlv_started(d, SERVER, 2, 20);
    dlv_started(d, OTHER, 3, 30);
    return d;
}

/* Ends d at ns and returns its verdict ("" when none). */
static const char *verdict(struct dlv *d, double ns)
{
    dlv_finish(d, ns, false);
    return dlv_violation(d);
}

START_TEST(delivered_and_documented_drops_pass)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_delivered(d, 1, CLIENT, SERVER, "request", 200);
    dlv_queued(d, 2, CLIENT, SERVER, "request", 300);
    dlv_dropped(d, 2, CLIENT, SERVER, "request", "cancelled by the client", 400);
    dlv_queued(d, 3, SERVER, CLIENT, "reply", 500);
    dlv_dropped(d, 3, SERVER, CLIENT, "reply",
                "client restarted, gone or not waiting for this reply", 500);
    /* still in flight when the run ends, receiver alive: not lost */
    dlv_queued(d, 4, CLIENT, SERVER, "request", 600);
    ck_assert_str_eq(verdict(d, 1000), "");
    dlv_free(d);
}
END_TEST

START_TEST(open_when_the_receiver_restarts_is_lost)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_state(d, SERVER, "Terminated", 200);
    dlv_state(d, SERVER, "Yielded", 200);
    dlv_started(d, SERVER, 4, 210);
    const char *v = dlv_violation(d);
    ck_assert_msg(strstr(v, "lost: a request message from client to server (process id 2)") == v,
                  "%s", v);
    dlv_free(d);
}
END_TEST

START_TEST(open_when_the_receiver_terminates_is_lost)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "send", 100);
    dlv_state(d, SERVER, "Faulted", 200);
    ck_assert_str_eq(dlv_violation(d), ""); /* the drop may come later in the instant */
    const char *v = verdict(d, 200);
    ck_assert_msg(strstr(v, "lost: a send message from client to server") == v, "%s", v);
    dlv_free(d);
}
END_TEST

START_TEST(dropped_in_the_instant_the_receiver_ends_passes)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    /* the drop first, the state change after it, in one instant */
    dlv_dropped(d, 1, CLIENT, SERVER, "request", "server terminated", 200);
    dlv_state(d, SERVER, "Terminated", 200);
    dlv_state(d, SERVER, "Yielded", 200);
    dlv_started(d, SERVER, 4, 300);
    dlv_queued(d, 2, CLIENT, SERVER, "request", 400);
    dlv_delivered(d, 2, CLIENT, SERVER, "request", 500);
    ck_assert_str_eq(verdict(d, 1000), "");
    dlv_free(d);
}
END_TEST

START_TEST(receiver_ended_excuse_needs_an_end)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_dropped(d, 1, CLIENT, SERVER, "request", "server terminated", 200);
    ck_assert_str_eq(dlv_violation(d), "");
    dlv_queued(d, 2, OTHER, SERVER, "request", 300); /* time moves on: the server lives */
    const char *v = dlv_violation(d);
    ck_assert_msg(strstr(v, "lost: a request message from client to server was dropped at "
                            "0.000 ms as \"server terminated\", but server did not end then") == v,
                  "%s", v);
    dlv_free(d);
}
END_TEST

START_TEST(sender_ended_excuse_needs_an_end)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "service", 100);
    dlv_dropped(d, 1, CLIENT, SERVER, "service", "sender restarted or gone", 200);
    const char *v = verdict(d, 300);
    ck_assert_msg(strstr(v, "but client did not end then") != NULL, "%s", v);
    dlv_free(d);

    /* the sender restarted between queueing and delivery: excused, even
     * though a new incarnation of it runs */
    d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "service", 100);
    dlv_state(d, CLIENT, "Terminated", 150);
    dlv_state(d, CLIENT, "Yielded", 150);
    dlv_started(d, CLIENT, 5, 160);
    dlv_dropped(d, 1, CLIENT, SERVER, "service", "sender restarted or gone", 200);
    ck_assert_str_eq(verdict(d, 300), "");
    dlv_free(d);
}
END_TEST

START_TEST(a_panic_leaves_messages_open)
{
    /* the server faults into a kernel panic while a request waits: nothing
     * is cleaned up, and nothing is lost */
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_state(d, SERVER, "Faulted", 200);
    dlv_finish(d, 200, true);
    ck_assert_str_eq(dlv_violation(d), "");
    dlv_free(d);
}
END_TEST

/* A drop without its flow (the trace's cap left the flow out) is held to
 * the rule table only: the incarnations it was sent between are unknown,
 * so the excuse cannot be checked. */
START_TEST(a_drop_without_its_flow)
{
    struct dlv *d = fresh();
    dlv_dropped(d, 0, CLIENT, SERVER, "service", "sender restarted or gone", 200);
    ck_assert_str_eq(verdict(d, 300), "");
    dlv_free(d);
    d = fresh();
    dlv_dropped(d, 0, CLIENT, SERVER, "service", "the capsule forgot it", 200);
    ck_assert_msg(strstr(dlv_violation(d), "a drop its design does not document") != NULL, "%s",
                  dlv_violation(d));
    dlv_free(d);
}
END_TEST

START_TEST(delivered_to_a_later_incarnation)
{
    /* as the planted bug (relay_server_by_slot) would if the request
     * survived the restart unnoticed: checked at delivery too */
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_state(d, SERVER, "Terminated", 200);
    dlv_state(d, SERVER, "Yielded", 200);
    dlv_started(d, SERVER, 4, 200);
    dlv_delivered(d, 1, CLIENT, SERVER, "request", 200);
    const char *v = dlv_violation(d);
    ck_assert_msg(strstr(v, "delivery: a request message from client queued for server's "
                            "process id 2") == v,
                  "%s", v);
    ck_assert_msg(strstr(v, "later incarnation (process id 4)") != NULL, "%s", v);
    dlv_free(d);
}
END_TEST

START_TEST(undocumented_drop)
{
    struct dlv *d = fresh();
    dlv_queued(d, 1, CLIENT, SERVER, "request", 100);
    dlv_dropped(d, 1, CLIENT, SERVER, "request", "the capsule forgot it", 200);
    const char *v = dlv_violation(d);
    ck_assert_msg(strstr(v, "a drop its design does not document") != NULL, "%s", v);
    dlv_free(d);
}
END_TEST

START_TEST(every_rule_is_well_formed)
{
    size_t n = 0;
    const struct km_ipc_drop_rule *r = km_ipc_drop_rules(&n);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_eq(km_ipc_drop_rule(r[i].op, r[i].why), &r[i]); /* no two alike */
        ck_assert_str_ne(km_ipc_excuse_name(r[i].excuse), "?");
    }
    ck_assert_ptr_null(km_ipc_drop_rule("request", "nothing of the sort"));
    ck_assert_ptr_null(km_ipc_drop_rule(NULL, "server terminated"));
}
END_TEST

/* docs/ipc-designs.md#delivery-promises lists every rule: a table row
 * with its design, its message kind, its reason and its excuse. */
START_TEST(the_doc_lists_every_rule)
{
    FILE *f = fopen(IPCSIM_DOC_IPC_DESIGNS, "r");
    ck_assert_msg(f != NULL, "cannot open %s", IPCSIM_DOC_IPC_DESIGNS);
    static char doc[1 << 17];
    size_t len = fread(doc, 1, sizeof(doc) - 1, f);
    fclose(f);
    doc[len] = '\0';
    char *sec = strstr(doc, "\n## Delivery promises\n");
    ck_assert_msg(sec != NULL, "no \"## Delivery promises\" section");
    char *end = strstr(sec + 1, "\n## ");
    if (end)
        *end = '\0';
    size_t n = 0;
    const struct km_ipc_drop_rule *r = km_ipc_drop_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char design[32], op[32], why[96], excuse[32];
        snprintf(design, sizeof(design), "| %s |", r[i].design);
        snprintf(op, sizeof(op), "`%s`", r[i].op);
        snprintf(why, sizeof(why), "| `%s` |", r[i].why);
        snprintf(excuse, sizeof(excuse), "| %s |", km_ipc_excuse_name(r[i].excuse));
        bool found = false;
        for (char *line = sec; line && !found; line = strchr(line + 1, '\n')) {
            char *eol = strchr(line + 1, '\n');
            size_t l = eol ? (size_t)(eol - line) : strlen(line);
            char row[512];
            snprintf(row, sizeof(row), "%.*s", (int)(l < sizeof(row) - 1 ? l : sizeof(row) - 1),
                     line);
            found =
                strstr(row, design) && strstr(row, op) && strstr(row, why) && strstr(row, excuse);
        }
        ck_assert_msg(found, "docs/ipc-designs.md lists no row %s %s %s %s", design, op, why,
                      excuse);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("delivery");
    TCase *tc = tcase_create("lost");
    tcase_add_test(tc, delivered_and_documented_drops_pass);
    tcase_add_test(tc, open_when_the_receiver_restarts_is_lost);
    tcase_add_test(tc, open_when_the_receiver_terminates_is_lost);
    tcase_add_test(tc, dropped_in_the_instant_the_receiver_ends_passes);
    tcase_add_test(tc, receiver_ended_excuse_needs_an_end);
    tcase_add_test(tc, sender_ended_excuse_needs_an_end);
    tcase_add_test(tc, a_panic_leaves_messages_open);
    tcase_add_test(tc, a_drop_without_its_flow);
    tcase_add_test(tc, delivered_to_a_later_incarnation);
    tcase_add_test(tc, undocumented_drop);
    tcase_add_test(tc, every_rule_is_well_formed);
    tcase_add_test(tc, the_doc_lists_every_rule);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
