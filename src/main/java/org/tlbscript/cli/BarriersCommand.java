package org.tlbscript.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.lang.Source;
import org.tlbscript.session.Barriers;
import org.tlbscript.session.ScenarioRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tlbscript barriers SCENARIO... --kernel NAME}: which ordering points these scenarios need. */
@Command(name = "barriers", mixinStandardHelpOptions = true,
    description = {"For each ordering point of a model (fences, locked read-modify-writes, CR3 writes, IPI sends "
        + "and waits), run the scenarios with that point weakened (no fence; a plain load and store; a "
        + "non-serializing CR3 write or IPI send; no wait) "
        + "and say whether it is needed: some scenario that passes with it fails without it, with the breaking "
        + "schedule.",
        "Exit codes: 0 done, 2 usage error, 3 a scenario could not be read or is invalid (it is left out, "
            + "the others run)."})
final class BarriersCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "SCENARIO", description = "scenario files or directories (*.tlbs)")
  List<Path> paths;

  @Option(names = "--kernel", required = true, paramLabel = "NAME", description = "the model whose barriers to test")
  String kernel;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KernelModel model = KernelsCommand.model(spec.commandLine(), kernel);
    // a file that cannot be read or is invalid is reported and left out; the others go on
    int exit = Main.OK;
    List<Source> read = new ArrayList<>();
    for (Path f : RunCommand.discover(spec.commandLine(), paths, ".tlbs")) {
      try {
        read.add(Source.read(f));
      } catch (Source.Unreadable e) {
        err.print(e.diagnostic().render());
        exit = Main.INVALID;
      }
    }
    List<Source> scenarios = new ArrayList<>();
    List<ScenarioRun.Result> baseline = new ArrayList<>();
    int passing = 0;
    for (Source src : read) {
      ScenarioRun.Result r = Barriers.baseline(model, List.of(src)).get(0);
      if (r.status() == ScenarioRun.Status.INVALID) {
        r.diagnostics().forEach(d -> err.print(d.render()));
        exit = Main.INVALID;
        continue;
      }
      scenarios.add(src);
      baseline.add(r);
      passing += r.status() == ScenarioRun.Status.PASSED ? 1 : 0;
    }
    if (scenarios.isEmpty()) {
      err.println("tlbscript barriers: no valid scenario to run");
      return Main.INVALID;
    }
    out.println("# " + model.name + ": each ordering point weakened in turn, " + scenarios.size() + " scenario"
        + (scenarios.size() == 1 ? "" : "s") + " (" + passing + " pass as the model is; only those can show a point is needed)");
    out.printf("%-44s %-4s %s%n", "point", "", "verdict");
    List<Barriers.Finding> needed = new ArrayList<>();
    Barriers.analyse(model, scenarios, baseline, f -> {
      String verdict = switch (f.verdict()) {
        case NEEDED -> "NEEDED: " + f.scenario() + (f.invariant() ? " breaks an invariant of the model" : " fails")
            + " without it";
        case NOT_NEEDED -> "not needed by these scenarios";
        case NEVER_RAN -> "not needed by these scenarios (it never had a buffered store to order)";
        case NOT_WEAKENED -> "not weakened: " + f.report();
      };
      out.printf("%-44s %-4s %s%n", f.point().name(), f.point().step().access(), verdict);
      out.flush();
      if (f.verdict() == Barriers.Verdict.NEEDED) {
        needed.add(f);
      }
    });
    if (!needed.isEmpty()) {
      out.println();
      out.println("# Each needed point's breaking run follows. Its replay script names the weakened model ("
          + model.name + "~POINT), which `run --kernel` cannot name yet: tlbscript builds it only here.");
    }
    for (Barriers.Finding f : needed) {
      out.println();
      out.println("── " + f.point().name() + " (" + f.point().step().function() + ": " + f.point().step().text()
          + ") weakened, " + f.scenario() + ":");
      out.print(f.report().indent(2));
    }
    out.flush();
    return exit;
  }
}
