/*
 * cli.h - the verb groups of the administrators' tool `fe`.  Each group lives
 * in its own file and takes argc/argv starting at its verb; it returns the
 * process exit status (0 ok, 1 refused or failed, 2 usage).
 */
#ifndef FE_CLI_H
#define FE_CLI_H

int cmd_change(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_ceremony(int argc, char **argv);
int cmd_signer(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_alert(int argc, char **argv);

/* Print "fe: message" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
