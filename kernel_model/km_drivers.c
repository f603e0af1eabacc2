/* km_drivers.c: the registry of drivers (capsules) the kernel model knows,
 * by Tock driver number (capsules/core/src/driver.rs). */
#include "km_internal.h"

static const struct km_driver_ops *const km_drivers[] = {
    &km_drv_alarm_ops,
    &km_drv_console_ops,
    &km_drv_led_ops,
    &km_drv_rng_ops,
};

#define KM_NDRIVERS (sizeof(km_drivers) / sizeof(km_drivers[0]))

const struct km_driver_ops *km_driver_find(uint32_t num)
{
    for (unsigned i = 0; i < KM_NDRIVERS; i++)
        if (km_drivers[i]->num == num)
            return km_drivers[i];
    return NULL;
}

size_t km_driver_list(const struct km_driver_desc **list)
{
    static const struct km_driver_desc descs[] = {
        {0x0, "alarm"},
        {0x1, "console"},
        {0x2, "led"},
        {0x40001, "rng"},
    };
    *list = descs;
    return sizeof(descs) / sizeof(descs[0]);
}
