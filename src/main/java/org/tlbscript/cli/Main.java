package org.tlbscript.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The tlbscript command: subcommands run, compare, kernels, barriers, repl, litmus. */
@Command(name = "tlbscript", mixinStandardHelpOptions = true, version = "tlbscript 0.1.0",
    description = "Scenarios and a step-level model of Linux x86 TLB management (arch/x86/mm/tlb.c).",
    subcommands = {RunCommand.class, CompareCommand.class, KernelsCommand.class, BarriersCommand.class, ReplCommand.class,
        LitmusCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every scenario passed",
        "1:an assertion failed",
        "2:usage error",
        "3:a scenario is invalid (syntax, check or impossible action)",
        "4:internal error (a model self-check failed)",
        "5:incomplete: a together block hit --max-states, --timeout or the memory bound"})
public final class Main implements Runnable {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int INVALID = 3;
  public static final int INTERNAL = 4;
  public static final int INCOMPLETE = 5;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: run, compare, kernels, repl or litmus");
  }

  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("tlbscript: " + e.getMessage());
      err.println("try: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
      err.flush();
      return USAGE;
    });
    cmd.setExecutionExceptionHandler((e, c, parsed) -> {
      PrintWriter err = c.getErr();
      err.println("tlbscript: internal error: " + e);
      if (System.getenv("TLBSCRIPT_DEBUG") != null) {
        e.printStackTrace(err);
      } else {
        err.println("set TLBSCRIPT_DEBUG=1 for a stack trace, and please report it");
      }
      err.flush();
      return INTERNAL;
    });
    return cmd;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
