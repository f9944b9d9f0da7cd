package org.tlbscript.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Models;
import org.tlbscript.kernels.Routine;
import org.tlbscript.kernels.Step;
import org.tlbscript.lang.Suggest;
import org.tlbscript.report.ModelDiff;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlbscript kernels}: the models, or one model's routines as labelled steps. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
    description = "List the kernel models, print one model's routines as labelled steps, or diff two models.")
final class KernelsCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--show", paramLabel = "NAME", description = "print the routines of this model, step by step")
  String show;

  @Option(names = "--diff", arity = "2", paramLabel = "NAME",
      description = "print the difference between two models (A B), like a unified diff of their step listings")
  List<String> diff;

  /** The model called {@code name}, or a usage error with a did-you-mean. */
  static KernelModel model(CommandLine cmd, String name) {
    return Models.find(name).orElseThrow(() -> new CommandLine.ParameterException(cmd,
        "unknown kernel model '" + name + "'"
            + Suggest.closest(name, Models.knownNames()).map(n -> " (did you mean '" + n + "'?)").orElse("")
            + "; `tlbscript kernels` lists them"));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (diff != null) {
      if (show != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--show and --diff exclude each other");
      }
      KernelModel a = model(spec.commandLine(), diff.get(0));
      KernelModel b = model(spec.commandLine(), diff.get(1));
      out.print(ModelDiff.render(ModelDiff.diff(a, b)));
    } else if (show != null) {
      KernelModel m = model(spec.commandLine(), show);
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
