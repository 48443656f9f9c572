"""The papermill engine batch workers register as their default: papermill executes the template as always;
only where the kernel comes from, and how long the client waits for it, change.

For the ``wealth-fork`` kernel (forked from the warm template, see :mod:`wealthlib._batch.zygote`):

* the kernel manager's client waits for readiness with the protocol of ``jupyter_client`` (a ``kernel_info``
  reply on the shell channel, then any IOPub message to prove IOPub is connected, then drain IOPub), but with
  20 ms instead of 200 ms IOPub waits — the fixed 0.2 s flush was ~20% of a warm client's time; stale start-up
  messages are harmless because nbclient matches every message to its request;
* the kernel is shut down ``immediate``: the launcher is killed (not interrupted first), the forked kernel sees
  its connection close and exits (a forked kernel has no history or state worth a graceful shutdown; one that
  cannot notice, stuck in C code, is interrupted and then killed by the zygote after a short grace); the
  launcher's exit is polled every 5 ms instead of jupyter_client's 100 ms.

Other kernels (``python3``) run exactly as papermill's default engine runs them.
"""

from __future__ import annotations

import asyncio
import time
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from papermill.engines import NBClientEngine, papermill_engines

FORK_KERNEL = "wealth-fork"
_POLL = 0.02


class FastReadyKernelClient(AsyncKernelClient):
    """``AsyncKernelClient`` whose :meth:`wait_for_ready` polls IOPub every 20 ms instead of 200 ms."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        abs_timeout = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:
                        await ensure_async(self.iopub_channel.get_msg(timeout=_POLL * 5))
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > abs_timeout:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=_POLL))
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready


class ForkKernelManager(AsyncKernelManager):
    """Kernel manager for forked kernels: fast readiness check, and a shutdown that does not wait on timers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_factory = FastReadyKernelClient

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts a kernel before it kills it; a forked kernel is killed outright (its process
        # dies with the launcher), so the interrupt would only make it log "KeyboardInterrupt caught in kernel"
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client polls for the killed launcher's exit every 100 ms: ~0.1 s idle per client
        while await self._async_is_alive():
            await asyncio.sleep(min(pollinterval, _POLL / 4))


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine; for the ``wealth-fork`` kernel: fast readiness, immediate shutdown."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        if kernel_name == FORK_KERNEL:
            kwargs.setdefault("kernel_manager_class", ForkKernelManager)
            kwargs.setdefault("shutdown_kernel", "immediate")
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def register() -> None:
    """Make :class:`WarmEngine` papermill's default engine in this process (and name it ``wealth-warm``)."""
    papermill_engines.register("wealth-warm", WarmEngine)
    papermill_engines.register(None, WarmEngine)
