/* ipcsim/test_protocol.h: the record a test runner shares with the test
 * supervisor over legacy IPC (apps/examples/test_runner and
 * test_supervisor); not part of libtock-c.
 *
 * The runner fills the record, notifies the supervisor and waits for its
 * answer before going on: HELLO once, then START and DONE around each
 * test, then BYE. The supervisor times each test out after its limit; a
 * runner whose test timed out is never answered again.
 */
#ifndef IPCSIM_TEST_PROTOCOL_H
#define IPCSIM_TEST_PROTOCOL_H

#include <stdint.h>

#define TEST_SUPERVISOR_PACKAGE "org.ipcsim.test_supervisor"

enum test_op {
    TEST_HELLO = 1, /* count = number of tests to come */
    TEST_START = 2, /* test `index` called `name` starts */
    TEST_DONE = 3,  /* it ended; passed = 1 or 0 */
    TEST_BYE = 4,   /* all done */
};

/* 64 bytes, shared aligned to 64 so that every MPU can expose it. */
struct test_record {
    uint8_t op;     /* enum test_op */
    uint8_t index;  /* test number, from 0 */
    uint8_t count;  /* tests in all (TEST_HELLO) */
    uint8_t passed; /* TEST_DONE: 1 passed, 0 failed */
    char name[60];  /* the test's name, NUL-terminated */
};

#endif
