package org.tlbscript.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Suggest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlbscript kernels}: the models, or one model's routines as labelled steps. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
    description = "List the kernel models, or print one model's routines as labelled steps.")
final class KernelsCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--show", paramLabel = "NAME", description = "print the routines of this model, step by step")
  String show;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (show != null) {
      KernelModel m = Models.find(show).orElseThrow(() -> new CommandLine.ParameterException(
          spec.commandLine(), "unknown kernel model '" + show + "'"
              + Suggest.closest(show, Models.names()).map(n -> " (did you mean '" + n + "'?)").orElse("")));
      out.println("# " + m.name + ": " + m.summary);
      out.println("# kernels " + m.kernels + "; commits " + m.commits);
      for (Routine r : m.routines()) {
        out.println();
        out.println("routine " + r.name + "(" + String.join(", ", r.params) + ")"
            + (r.irqsOff ? "   # irqs off" : ""));
        for (Step s : r.steps) {
          out.println("  " + s.describe());
        }
      }
    } else {
      for (KernelModel m : Models.all()) {
        out.printf("%-28s %-22s %s%n", m.name, m.kernels, m.summary);
        out.printf("%-28s %-22s commits: %s%n", "", "", m.commits);
      }
      out.println();
      out.println("variants (not kernels; use them by name):");
      for (KernelModel m : Models.variants()) {
        out.printf("%-28s %s%n", m.name, m.summary);
      }
    }
    out.flush();
    return Main.OK;
  }
}
