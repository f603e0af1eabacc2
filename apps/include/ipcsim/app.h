/* app.h: what an app can ask of the simulator beyond Tock's syscalls. */
#ifndef IPCSIM_APP_H
#define IPCSIM_APP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declares that the app computes for `cycles` target CPU cycles. Virtual
 * time advances by that much while the app holds the CPU, so it uses up its
 * timeslice and can be preempted, as on a real MCU. Host time spent between
 * syscalls is never counted: this is how an app says it is busy. */
void ipcsim_compute(uint64_t cycles);

#ifdef __cplusplus
}
#endif

#endif
