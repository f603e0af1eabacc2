/* registry_syscalls.c: one-syscall wrappers for the IPC registries 0xA0000
 * and 0xA0001. */
#include <libtock/ipc/syscalls/registry_syscalls.h>

static returncode_t reg_subscribe(uint32_t drv, uint32_t num, subscribe_upcall cb, void *opaque)
{
    return tock_subscribe_return_to_returncode(subscribe(drv, num, cb, opaque));
}

static returncode_t reg_allow(uint32_t drv, const uint8_t *name, uint32_t len)
{
    return tock_allow_ro_return_to_returncode(allow_readonly(drv, 0, name, len));
}

static returncode_t reg_command(uint32_t drv, uint32_t cmd)
{
    return tock_command_return_novalue_to_returncode(command(drv, cmd, 0, 0));
}

bool libtock_ipc_registry_name_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_IPC_REGISTRY_NAME);
}

returncode_t libtock_ipc_registry_name_set_upcall_registration(subscribe_upcall cb, void *opaque)
{
    return reg_subscribe(DRIVER_NUM_IPC_REGISTRY_NAME, 0, cb, opaque);
}

returncode_t libtock_ipc_registry_name_set_upcall_discovery(subscribe_upcall cb, void *opaque)
{
    return reg_subscribe(DRIVER_NUM_IPC_REGISTRY_NAME, 1, cb, opaque);
}

returncode_t libtock_ipc_registry_name_set_readonly_allow(const uint8_t *name, uint32_t len)
{
    return reg_allow(DRIVER_NUM_IPC_REGISTRY_NAME, name, len);
}

returncode_t libtock_ipc_registry_name_command_register(void)
{
    return reg_command(DRIVER_NUM_IPC_REGISTRY_NAME, 1);
}

returncode_t libtock_ipc_registry_name_command_discover(void)
{
    return reg_command(DRIVER_NUM_IPC_REGISTRY_NAME, 2);
}

bool libtock_ipc_registry_pkg_driver_exists(void)
{
    return driver_exists(DRIVER_NUM_IPC_REGISTRY_PKG);
}

returncode_t libtock_ipc_registry_pkg_set_upcall_registration(subscribe_upcall cb, void *opaque)
{
    return reg_subscribe(DRIVER_NUM_IPC_REGISTRY_PKG, 0, cb, opaque);
}

returncode_t libtock_ipc_registry_pkg_set_upcall_discovery(subscribe_upcall cb, void *opaque)
{
    return reg_subscribe(DRIVER_NUM_IPC_REGISTRY_PKG, 1, cb, opaque);
}

returncode_t libtock_ipc_registry_pkg_set_readonly_allow(const uint8_t *name, uint32_t len)
{
    return reg_allow(DRIVER_NUM_IPC_REGISTRY_PKG, name, len);
}

returncode_t libtock_ipc_registry_pkg_command_register(void)
{
    return reg_command(DRIVER_NUM_IPC_REGISTRY_PKG, 1);
}

returncode_t libtock_ipc_registry_pkg_command_discover(void)
{
    return reg_command(DRIVER_NUM_IPC_REGISTRY_PKG, 2);
}
