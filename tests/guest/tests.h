// SPDX-License-Identifier: GPL-2.0-only
/* Subcommand entry points of fpgadma_test; each returns nonzero on failure. */
#ifndef FPGADMA_TESTS_H
#define FPGADMA_TESTS_H

int cmd_probe(const char *dev);
int cmd_stream(const char *dev);
int cmd_reconfig(const char *dev);
int cmd_drops(const char *dev);
int cmd_modes(const char *dev);
int cmd_badinput(const char *dev);
int cmd_copy(const char *dev);
int cmd_unbind_reader(const char *dev);
int cmd_enomem(const char *dev);
int cmd_model(const char *dev);
int cmd_lifetime(const char *dev);
int cmd_ring_limits(const char *dev);
int cmd_model_restart(const char *dev);
int cmd_model_nocoalesce(const char *dev);
int cmd_memory(const char *dev);
int cmd_release_4096(const char *dev);
int cmd_trace(const char *dev);
int cmd_shared(const char *dev);
int cmd_shared_long(const char *dev);
int cmd_dmaengine(const char *dev);
int cmd_dmaengine_pl330(const char *dev);

#endif /* FPGADMA_TESTS_H */
