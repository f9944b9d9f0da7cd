package org.tlbscript.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tlbscript.kernels.KernelModel;
import org.tlbscript.kernels.Linux420;
import org.tlbscript.kernels.Local;
import org.tlbscript.kernels.Vars;
import org.tlbscript.lang.Source;

/**
 * The scenarios document behaviour, so breaking the behaviour in the model must break a
 * scenario: each case patches one step of v4.20 the way a buggy kernel would and expects the
 * named scenario to stop passing (and to pass on the unpatched model).
 */
class ModelMutationTest {
  static Stream<Arguments> mutations() {
    return Stream.of(
        Arguments.of("freed_tables ignored: lazy CPUs skipped when tables are freed (2016 RFC hole)",
            patch(m -> m.replace(Linux420.OTHERS, "F7", s -> s.withCond("if true goto F8", x -> true))),
            "s03-lazy-cpu-tables-freed.tlbs"),
        Arguments.of("freed_tables ignored, exit path",
            patch(m -> m.replace(Linux420.OTHERS, "F7", s -> s.withCond("if true goto F8", x -> true))),
            "s13-exit-while-lazy.tlbs"),
        Arguments.of("lazy CPUs get every IPI (4.19 behaviour without PCID)",
            patch(m -> m.replace(Linux420.OTHERS, "F7", s -> s.withCond("if false goto F8", x -> false))),
            "s02-lazy-cpu-not-woken.tlbs"),
        Arguments.of("no generation check on the lazy return",
            patch(m -> m.replace(Linux420.SWITCH_MM, "SW2e", s -> s.withCond("return", x -> true))),
            "s14-kthread-adopts-lazy-mm.tlbs"),
        Arguments.of("always a full flush in the handler",
            patch(m -> m.replace("flush_tlb_func_common", "H5", s -> s.withCond("goto H5b", x -> true))),
            "s01-plain-shootdown.tlbs"),
        Arguments.of("ceiling compared with < instead of <=",
            patch(m -> m.replace(Linux420.FLUSH, "F3", s -> s.with(s.text(), x -> {
              long start = x.get(new Local("start", 1));
              long end = x.get(new Local("end", 2));
              boolean range = end != Vars.TLB_FLUSH_ALL && ((end - start) >>> 12) < x.ceiling();
              x.setReg(Vars.INFO_MM, x.get(new Local("mm", 0)));
              x.setReg(Vars.INFO_START, range ? start : 0);
              x.setReg(Vars.INFO_END, range ? end : Vars.TLB_FLUSH_ALL);
              x.setReg(Vars.INFO_STRIDE, 12);
              x.setReg(Vars.INFO_FREED, x.get(new Local("freed_tables", 4)));
              x.setReg(Vars.INFO_INITIATOR, x.cpu());
            }))),
            "s15-flush-ceiling.tlbs"),
        Arguments.of("lazy CPUs leave mm_cpumask (the 2017 rework)",
            patch(m -> m.replace(Linux420.ENTER_LAZY, "EL2", s -> s.with("clear the cpumask bit", x -> {
              x.store(x.vars().isLazy(x.cpu()), 1);
              long mm = x.own(x.vars().loadedMm(x.cpu()));
              x.rmwBits(x.vars().cpumask((int) mm), 1L << x.cpu(), false);
            }))),
            "s03-lazy-cpu-tables-freed.tlbs"),
        Arguments.of("a new ASID is loaded without a flush",
            patch(m -> m.replace(Linux420.SWITCH_MM, "SW4", s -> s.with(s.text(), x -> {
              int asid = (int) x.get(new Local("new_asid", 6));
              x.setReg(Vars.ctxId(asid), Vars.ctxIdOf(x.get(new Local("next", 1))));
              x.setReg(Vars.ctxGen(asid), x.get(new Local("next_tlb_gen", 5)));
              x.writeCr3((int) x.get(new Local("next", 1)), asid, true);
            }))),
            "s06-asid-round-robin.tlbs"));
  }

  private static KernelModel patch(UnaryOperator<KernelModel.Builder> p) {
    return p.apply(Linux420.model().derive("v4.20")).build();
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("mutations")
  void aMutatedModelFailsTheScenario(String what, KernelModel mutant, String file) throws IOException {
    Path f = Path.of("scenarios", file);
    Source source = new Source(f.toString(), Files.readString(f));
    assertEquals(ScenarioRun.Status.PASSED, ScenarioRun.runOn(source, Linux420.model(), false).status());
    assertNotEquals(ScenarioRun.Status.PASSED, ScenarioRun.runOn(source, mutant, false).status(), what);
  }
}
