/* share.c: shared-memory IPC over the driver's commands: chunk
 * descriptions, copies through a temporary allow, upcalls as callbacks. */
#include <libtock/ipc/share.h>

static libtock_share_granted_callback granted_cb;
static libtock_share_ended_callback ended_cb;

static void share_fill(libtock_share_chunk_t *c, uint32_t owner, uint32_t hw, uint32_t addr,
                       uint32_t size)
{
    c->handle = LIBTOCK_SHARE_HW_HANDLE(hw);
    c->owner = owner;
    c->mode = LIBTOCK_SHARE_HW_MODE(hw);
    c->mapped = !LIBTOCK_SHARE_HW_COPIED(hw);
    c->ptr = (uint8_t *)(uintptr_t)addr;
    c->size = size;
}

bool libtock_share_exists(void)
{
    return libtock_share_driver_exists();
}

returncode_t libtock_share_activate(uint32_t len, uint32_t flags, libtock_share_chunk_t *chunk)
{
    uint32_t hw = 0, addr = 0, size = 0;
    returncode_t rc = libtock_share_command_activate(len, flags, &hw, &addr, &size);
    if (rc == RETURNCODE_SUCCESS)
        share_fill(chunk, 0, hw, addr, size);
    return rc;
}

returncode_t libtock_share_grant(const libtock_share_chunk_t *chunk, uint32_t peer, uint32_t mode,
                                 bool *peer_mapped)
{
    uint32_t hw = 0;
    returncode_t rc = libtock_share_command_grant(chunk->handle, mode, peer, &hw);
    if (rc == RETURNCODE_SUCCESS && peer_mapped != NULL)
        *peer_mapped = !LIBTOCK_SHARE_HW_COPIED(hw);
    return rc;
}

returncode_t libtock_share_revoke(const libtock_share_chunk_t *chunk, uint32_t peer)
{
    uint32_t ended = 0;
    return libtock_share_command_revoke(chunk->handle, peer, &ended);
}

returncode_t libtock_share_release(const libtock_share_chunk_t *chunk)
{
    return libtock_share_command_release(chunk->handle, chunk->owner);
}

returncode_t libtock_share_info(uint32_t handle, uint32_t owner, libtock_share_chunk_t *chunk)
{
    uint32_t hw = 0, addr = 0, size = 0;
    returncode_t rc = libtock_share_command_info(handle, owner, &hw, &addr, &size);
    if (rc == RETURNCODE_SUCCESS)
        share_fill(chunk, owner, hw, addr, size);
    return rc;
}

returncode_t libtock_share_copy_in(const libtock_share_chunk_t *chunk, uint32_t offset, void *dst,
                                   uint32_t len)
{
    returncode_t rc = libtock_share_set_readwrite_allow_copy_in(dst, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    uint32_t copied = 0;
    rc = libtock_share_command_copy_in(chunk->handle, offset, chunk->owner, &copied);
    (void)libtock_share_set_readwrite_allow_copy_in(NULL, 0);
    return rc;
}

returncode_t libtock_share_copy_out(const libtock_share_chunk_t *chunk, uint32_t offset,
                                    const void *src, uint32_t len)
{
    returncode_t rc = libtock_share_set_readonly_allow_copy_out(src, len);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    uint32_t copied = 0;
    rc = libtock_share_command_copy_out(chunk->handle, offset, chunk->owner, &copied);
    (void)libtock_share_set_readonly_allow_copy_out(NULL, 0);
    return rc;
}

returncode_t libtock_share_chunk_from_upcall(uint32_t owner, uint32_t hw, uint32_t addr,
                                             libtock_share_chunk_t *chunk)
{
    uint32_t ihw = 0, iaddr = 0, size = 0;
    returncode_t rc =
        libtock_share_command_info(LIBTOCK_SHARE_HW_HANDLE(hw), owner, &ihw, &iaddr, &size);
    if (rc != RETURNCODE_SUCCESS)
        return rc;
    share_fill(chunk, owner, hw, addr, size);
    return RETURNCODE_SUCCESS;
}

static void share_granted_upcall(int owner, int hw, int addr, void *opaque)
{
    (void)opaque;
    libtock_share_chunk_t c;
    if (granted_cb != NULL &&
        libtock_share_chunk_from_upcall((uint32_t)owner, (uint32_t)hw, (uint32_t)addr, &c) ==
            RETURNCODE_SUCCESS)
        granted_cb(&c);
}

static void share_ended_upcall(int other, int hw, int reason, void *opaque)
{
    (void)opaque;
    if (ended_cb != NULL)
        ended_cb((uint32_t)other, LIBTOCK_SHARE_HW_HANDLE((uint32_t)hw),
                 LIBTOCK_SHARE_HW_MODE((uint32_t)hw), (uint32_t)reason);
}

returncode_t libtock_share_on_granted(libtock_share_granted_callback cb)
{
    granted_cb = cb;
    return libtock_share_set_upcall_granted(cb ? share_granted_upcall : NULL, NULL);
}

returncode_t libtock_share_on_ended(libtock_share_ended_callback cb)
{
    ended_cb = cb;
    return libtock_share_set_upcall_ended(cb ? share_ended_upcall : NULL, NULL);
}
