# User programs: runtime, shell, tools, initrd. Owned by the userland work.
