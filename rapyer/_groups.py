"""The action groups of each kind of operation (which TTL refresh rules apply to it), named once for every module."""

from __future__ import annotations

from rapyer.actions import ActionGroup

READ = ActionGroup.READ
READ_FETCH = ActionGroup.READ | ActionGroup.FETCH
CREATE_UPDATE = ActionGroup.CREATE | ActionGroup.UPDATE
UPDATE = ActionGroup.UPDATE
APPEND = ActionGroup.UPDATE | ActionGroup.APPEND
ERASE = ActionGroup.UPDATE | ActionGroup.ERASE
POP = ActionGroup.UPDATE | ActionGroup.ERASE | ActionGroup.READ
ARITHMETIC = ActionGroup.UPDATE | ActionGroup.ARITHMETIC
