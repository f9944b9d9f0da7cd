package org.tlbscript.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tlbscript.lang.Source;
import org.tlbscript.session.ScenarioRun;

/**
 * Every step a newer model adds to its parent must be pinned by a scenario: drop it (on a copy
 * of the model with the same name, so `on` lines still apply), run every scenario file, and
 * some file must stop passing. A step is the model's own when it is not, by identity, a step
 * of the parent's routine of that name ({@code derive} shares unchanged steps). The steps no
 * sequential scenario can observe are listed in {@link #UNOBSERVABLE} with the reason; the test
 * fails on a survivor not listed there and on a listed step that does matter.
 */
class NewModelStepsMatterTest {
  /** model:routine:label → why dropping it changes no sequential outcome. */
  static final Map<String, String> UNOBSERVABLE = Map.ofEntries(
      Map.entry("v5.13:kthread_use_mm:UM0", "task_lock's full barrier orders the previous action's "
          + "buffered stores before the switch: no scenario's verdict depends on it; "
          + "session/ScheduleBarrierTest pins it"),
      Map.entry("v5.13:kthread_unuse_mm:UU0", "as UM0"),
      Map.entry("v5.13:flush_tlb_func:HR1", "with the eager mm_cpumask of 5.13-6.13 a target "
          + "runs another mm only if it switched between the sender's mask read and the IPI: a race"),
      Map.entry("v5.13:flush_tlb_func:H2", "a handler on init_mm falls through to the generation "
          + "check of init_mm, whose tlb_gen never moves (kernel-range flushes are not modelled)"),
      Map.entry("v5.13:flush_tlb_func:H4", "sequentially every handler of a one-mm flush is exactly "
          + "one generation behind; a caught-up handler needs two concurrent flushes (S5, explorer)"),
      Map.entry("v6.0:flush_tlb_func:H4a", "8f1d56f64f8d's early-out: sequentially f->new_tlb_gen <= "
          + "local_tlb_gen only for generation 0, which the fixed test excludes; other cases need "
          + "concurrent flushes"),
      Map.entry("stable-6.6-misordered:native_flush_tlb_multi:SF1a", "as in v6.17.4: only a concurrent "
          + "switch shows LOADED_MM_SWITCHING (S8, explorer)"),
      Map.entry("stable-6.6-misordered:flush_tlb_mm_range:FT1", "6db2526c1d69 without 209954cbc7d0: with "
          + "the eager mask no member runs another mm outside a race, so trim_cpumask selects nobody "
          + "(Jinjiang Tu, stable, 10 Apr 2025)"),
      Map.entry("v5.13:native_flush_tlb_multi:SC3", "smp_call_function_many_cond's snapshot re-reads "
          + "mm_cpumask: it matters only for a CPU that joins or leaves after F6, which every outcome "
          + "also reaches with F6's read; manual stepping pins it (FlushMaskRereadTest)"),
      Map.entry("v5.13:native_flush_tlb_multi:SC2a", "as SC3 (run_remote false: a CPU must join between "
          + "SC1 and the snapshot; FlushMaskRereadTest)"),
      Map.entry("stable-6.6-misordered:flush_tlb_mm_range:FT2", "as FT1"),
      Map.entry("stable-6.6-misordered:init_new_context:IC2", "as FT1: the trim clock it starts selects nobody"),
      Map.entry("stable-6.6-misordered:flush_tlb_mm_range:FT3", "as FT1"));

  record Pair(KernelModel parent, KernelModel child) {}

  static List<Pair> chain() {
    KernelModel v420 = Linux420.model();
    KernelModel v513 = Linux513.model(v420);
    KernelModel gen0 = Linux60.gen0Bug(v513);
    KernelModel v60 = Linux60.model(gen0);
    KernelModel v614 = Linux614.v614(v60);
    KernelModel stable = Linux614.stable66(v60);
    KernelModel v6174 = Linux614.v6174(v614);
    KernelModel v618 = Linux614.v618(v6174);
    return List.of(new Pair(v420, v513), new Pair(v513, gen0), new Pair(gen0, v60), new Pair(v60, v614),
        new Pair(v60, stable), new Pair(v614, v6174), new Pair(v6174, v618));
  }

  static List<Source> scenarios() {
    Path root = Path.of("scenarios");
    try (var files = Files.walk(root)) { // races/ included: explored races pin ordering steps
      return files.filter(p -> p.toString().endsWith(".tlbs") && !p.startsWith(root.resolve("bad"))
              && !p.getFileName().toString().contains("variant")) // pinned to a teaching variant
          .sorted().map(p -> {
        try {
          return new Source(root.relativize(p).toString(), Files.readString(p));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The model's own steps, as (routine, label). */
  static List<String[]> ownSteps(KernelModel parent, KernelModel child) {
    List<String[]> own = new ArrayList<>();
    for (Routine r : child.routines()) {
      List<Step> before = parent.routines().stream().filter(p -> p.name.equals(r.name)).findFirst()
          .map(p -> p.steps).orElse(List.of());
      for (Step s : r.steps) {
        if (before.stream().noneMatch(b -> b == s)) {
          own.add(new String[] {r.name, s.label()});
        }
      }
    }
    return own;
  }

  /** The first scenario that does not pass on {@code mutant}, or null. */
  static String firstFailure(KernelModel mutant, List<Source> files) {
    for (Source f : files) {
      try {
        if (ScenarioRun.runOn(f, mutant, false).status() != ScenarioRun.Status.PASSED) {
          return f.name();
        }
      } catch (RuntimeException e) {
        return f.name() + " (" + e.getClass().getSimpleName() + ")";
      }
    }
    return null;
  }

  @Test
  void everyOwnStepOfEveryNewerModelIsPinnedByAScenario() {
    List<Source> files = scenarios();
    assertFalse(files.isEmpty());
    for (Source f : files) {
      for (Pair p : chain()) {
        assertEquals(ScenarioRun.Status.PASSED, ScenarioRun.runOn(f, p.child(), false).status(),
            f.name() + " must pass on the unpatched " + p.child().name);
      }
    }
    TreeSet<String> survivors = new TreeSet<>();
    TreeMap<String, String> caught = new TreeMap<>();
    for (Pair p : chain()) {
      List<String[]> own = ownSteps(p.parent(), p.child());
      assertFalse(own.isEmpty(), p.child().name + " has no steps of its own");
      for (String[] step : own) {
        String key = p.child().name + ":" + step[0] + ":" + step[1];
        KernelModel mutant = p.child().derive(p.child().name).drop(step[0], step[1]).build();
        String failure = firstFailure(mutant, files);
        if (failure == null) {
          survivors.add(key);
        } else {
          caught.put(key, failure);
        }
      }
    }
    assertEquals(new TreeSet<>(UNOBSERVABLE.keySet()), survivors,
        () -> "steps whose removal no scenario notices (pin them or explain them in UNOBSERVABLE);"
            + " caught: " + caught.entrySet().stream().map(e -> e.getKey() + " by " + e.getValue())
                .collect(Collectors.joining(", ")));
  }
}
