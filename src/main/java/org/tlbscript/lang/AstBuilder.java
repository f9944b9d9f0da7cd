package org.tlbscript.lang;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.tlbscript.lang.Ast.Action;
import org.tlbscript.lang.Ast.Check;
import org.tlbscript.lang.Ast.CpuRef;
import org.tlbscript.lang.Ast.Header;
import org.tlbscript.lang.Ast.HeaderKind;
import org.tlbscript.lang.Ast.MmRef;
import org.tlbscript.lang.Ast.Num;
import org.tlbscript.lang.Ast.Range;
import org.tlbscript.lang.Ast.Stmt;
import org.tlbscript.lang.Ast.Verb;
import org.tlbscript.lang.parser.TlbsBaseVisitor;
import org.tlbscript.lang.parser.TlbsParser;
import org.tlbscript.lang.parser.TlbsParser.*;

/** Turns the parse tree into AST records once; nothing downstream sees ANTLR types. */
final class AstBuilder extends TlbsBaseVisitor<Stmt> {
  private final Source source;
  private final List<Diagnostic> diagnostics = new ArrayList<>();

  AstBuilder(Source source) {
    this.source = source;
  }

  List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  List<Stmt> script(ScriptContext ctx) {
    List<Stmt> out = new ArrayList<>();
    for (StatementContext s : ctx.statement()) {
      if (hasError(s)) {
        continue;
      }
      int before = diagnostics.size();
      Stmt stmt = visit(s);
      // a statement with a number it cannot hold is left out, like one with a syntax error:
      // checking it with a stand-in value would add a second, nonsensical diagnostic
      if (stmt != null && diagnostics.size() == before) {
        out.add(stmt);
      }
    }
    return out;
  }

  private static boolean hasError(org.antlr.v4.runtime.tree.ParseTree t) {
    if (t instanceof org.antlr.v4.runtime.tree.ErrorNode) {
      return true;
    }
    // every rule of the grammar consumes a token: one that has none is the parser's recovery
    // (a missing mm after `use`), and checking it would add an error about an empty name
    if (t instanceof ParserRuleContext c && (c.exception != null || c.getChildCount() == 0)) {
      return true;
    }
    for (int i = 0; i < t.getChildCount(); i++) {
      if (hasError(t.getChild(i))) {
        return true;
      }
    }
    return false;
  }

  private Pos pos(ParserRuleContext ctx) {
    Token start = ctx.getStart();
    Token stop = ctx.getStop() == null ? start : ctx.getStop();
    int length = start.getLine() == stop.getLine()
        ? stop.getCharPositionInLine() + stop.getText().length() - start.getCharPositionInLine()
        : start.getText().length();
    return new Pos(source, start.getLine(), start.getCharPositionInLine() + 1, Math.max(1, length));
  }

  private Pos pos(Token t) {
    return new Pos(source, t.getLine(), t.getCharPositionInLine() + 1, Math.max(1, t.getText().length()));
  }

  private CpuRef cpu(CpuContext ctx) {
    if (ctx == null) {
      return null;
    }
    String text = ctx.getText();
    // a number past int is past MAX_CPUS too: the checker reports it once, by its text
    String digits = text.substring(3);
    int n = digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    return new CpuRef(n, pos(ctx));
  }

  private MmRef mm(MmContext ctx) {
    return ctx == null ? null : new MmRef(ctx.getText(), pos(ctx));
  }

  /** Numbers: decimal or 0x hex, '_' separators, K/M/G suffixes (powers of 1024). */
  private Num num(NumberContext ctx) {
    if (ctx == null) {
      return null;
    }
    String text = ctx.getText().replace("_", "");
    Pos pos = pos(ctx);
    boolean hex = text.startsWith("0x") || text.startsWith("0X");
    int shift = hex ? 0 : switch (text.charAt(text.length() - 1)) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      default -> 0;
    };
    String digits = text.substring(hex ? 2 : 0, text.length() - (shift == 0 ? 0 : 1)).replaceFirst("^0+", "");
    // a long run of digits is too large without converting it (which takes quadratic time)
    BigInteger value = digits.isEmpty() ? BigInteger.ZERO
        : digits.length() > 20 ? BigInteger.ONE.shiftLeft(80) : new BigInteger(digits, hex ? 16 : 10).shiftLeft(shift);
    if (value.bitLength() > 62) {
      diagnostics.add(new Diagnostic(pos, "number " + ctx.getText() + " is too large (the limit is 2^62)"));
      return new Num(0, pos);
    }
    return new Num(value.longValue(), pos);
  }

  private Range range(RangeContext ctx) {
    if (ctx == null) {
      return null;
    }
    Num start = num(ctx.from);
    if (ctx.to == null) {
      return new Range(start, new Num(start.value() + Ast.PAGE, start.pos()), true);
    }
    return new Range(start, num(ctx.to), false);
  }

  private Range single(NumberContext ctx) {
    Num n = num(ctx);
    return new Range(n, new Num(n.value() + Ast.PAGE, n.pos()), true);
  }

  // ---- header ----
  @Override
  public Stmt visitKernelDecl(KernelDeclContext ctx) {
    return new Header(pos(ctx.name), HeaderKind.KERNEL, ctx.name.getText(), null, false, pos(ctx));
  }

  @Override
  public Stmt visitCpusDecl(CpusDeclContext ctx) {
    return new Header(pos(ctx), HeaderKind.CPUS, null, num(ctx.n), false, pos(ctx));
  }

  @Override
  public Stmt visitPcidDecl(PcidDeclContext ctx) {
    return new Header(pos(ctx), HeaderKind.PCID, null, null, ctx.onOff().getText().equals("on"), pos(ctx));
  }

  @Override
  public Stmt visitCeilingDecl(CeilingDeclContext ctx) {
    return new Header(pos(ctx), HeaderKind.CEILING, null, num(ctx.n), false, pos(ctx));
  }

  // ---- actions ----
  /** The statement's CPU: cpu actions sit inside an onCpu alternative. */
  private CpuContext cpuOf(ParserRuleContext ctx) {
    return ctx.getParent() instanceof OnCpuContext on ? on.cpu() : null;
  }

  /** The whole statement, CPU included, for positions. */
  private ParserRuleContext whole(ParserRuleContext ctx) {
    return ctx.getParent() instanceof OnCpuContext on ? on : ctx;
  }

  private Action action(ParserRuleContext ctx, Verb verb, MmContext mm, Range range) {
    return new Action(pos(whole(ctx)), verb, cpu(cpuOf(ctx)), mm(mm), range, false, null, null);
  }

  @Override
  public Stmt visitOnCpu(OnCpuContext ctx) {
    return visit(ctx.cpuAction() != null ? ctx.cpuAction() : ctx.cpuControl());
  }

  @Override
  public Stmt visitSwitchMm(SwitchMmContext ctx) {
    return action(ctx, Verb.SWITCH, ctx.mm(), null);
  }

  @Override
  public Stmt visitSwitchKernel(SwitchKernelContext ctx) {
    return action(ctx, Verb.SWITCH_KERNEL, null, null);
  }

  @Override
  public Stmt visitUseMm(UseMmContext ctx) {
    return action(ctx, Verb.USE, ctx.mm(), null);
  }

  @Override
  public Stmt visitUnuseMm(UnuseMmContext ctx) {
    return action(ctx, Verb.UNUSE, ctx.mm(), null);
  }

  @Override
  public Stmt visitLeave(LeaveContext ctx) {
    return action(ctx, Verb.LEAVE, null, null);
  }

  @Override
  public Stmt visitTouch(TouchContext ctx) {
    return new Action(pos(whole(ctx)), Verb.TOUCH, cpu(cpuOf(ctx)), mm(ctx.mm()), single(ctx.addr),
        ctx.write != null, null, null);
  }

  @Override
  public Stmt visitSpec(SpecContext ctx) {
    return action(ctx, Verb.SPEC, null, single(ctx.addr));
  }

  @Override
  public Stmt visitMap(MapContext ctx) {
    return new Action(pos(whole(ctx)), Verb.MAP, cpu(cpuOf(ctx)), mm(ctx.mm()), single(ctx.addr), false,
        num(ctx.pfn), null);
  }

  @Override
  public Stmt visitUnmap(UnmapContext ctx) {
    return action(ctx, Verb.UNMAP, ctx.mm(), range(ctx.range()));
  }

  @Override
  public Stmt visitProtect(ProtectContext ctx) {
    return action(ctx, Verb.PROTECT, ctx.mm(), range(ctx.range()));
  }

  @Override
  public Stmt visitRemap(RemapContext ctx) {
    return action(ctx, Verb.REMAP, ctx.mm(), single(ctx.addr));
  }

  @Override
  public Stmt visitFreeTables(FreeTablesContext ctx) {
    return action(ctx, Verb.FREE_TABLES, ctx.mm(), range(ctx.range()));
  }

  @Override
  public Stmt visitFlush(FlushContext ctx) {
    return flush(ctx, ctx.flushTarget());
  }

  @Override
  public Stmt visitFlushAnywhere(FlushAnywhereContext ctx) {
    return flush(ctx, ctx.flushTarget());
  }

  private Stmt flush(ParserRuleContext ctx, FlushTargetContext t) {
    Verb verb = t.all != null ? Verb.FLUSH_ALL : Verb.FLUSH_RANGE;
    return action(ctx, verb, t.mm(), range(t.range()));
  }

  @Override
  public Stmt visitExit(ExitContext ctx) {
    return action(ctx, Verb.EXIT, ctx.mm(), null);
  }

  @Override
  public Stmt visitReclaim(ReclaimContext ctx) {
    return action(ctx, Verb.RECLAIM, ctx.mm(), single(ctx.addr));
  }

  @Override
  public Stmt visitCollapse(CollapseContext ctx) {
    return action(ctx, Verb.COLLAPSE, ctx.mm(), single(ctx.addr));
  }

  @Override
  public Stmt visitTick(TickContext ctx) {
    return new Action(pos(ctx), Verb.TICK, null, null, null, false, null, num(ctx.n));
  }

  // ---- assertions ----
  @Override
  public Stmt visitOnKernels(OnKernelsContext ctx) {
    List<Ast.KernelRange> ranges = new ArrayList<>();
    for (KernelRangeContext r : ctx.kernelRange()) {
      // model names may hold dots, so "v4.14..v4.19" is one token: split the text at ".."
      String text = r.getText();
      int dots = text.indexOf("..");
      ranges.add(dots < 0 ? new Ast.KernelRange(text, null, false, pos(r))
          : new Ast.KernelRange(dots == 0 ? null : text.substring(0, dots),
              dots + 2 == text.length() ? null : text.substring(dots + 2), true, pos(r)));
    }
    return new Ast.On(pos(ctx), ranges, (Ast.Assert) visit(ctx.assertion()));
  }

  @Override
  public Stmt visitAssertion(AssertionContext ctx) {
    Stmt s = check(ctx, ctx.check());
    return ((Ast.Assert) s).withSometimes(ctx.sometimes != null);
  }

  @Override
  public Stmt visitSpeculateDecl(SpeculateDeclContext ctx) {
    return new Header(pos(ctx), HeaderKind.SPECULATE, null, null, ctx.onOff().getText().equals("on"), pos(ctx));
  }

  @Override
  public Stmt visitMemoryDecl(MemoryDeclContext ctx) {
    return new Header(pos(ctx.model), HeaderKind.MEMORY, ctx.model.getText(), null, false, pos(ctx));
  }

  @Override
  public Stmt visitTogether(TogetherContext ctx) {
    List<Ast.Lane> lanes = new ArrayList<>();
    for (LaneContext l : ctx.lane()) {
      List<Action> actions = new ArrayList<>();
      for (CpuActionContext a : l.cpuAction()) {
        Action x = (Action) visit(a);
        actions.add(new Action(x.pos(), x.verb(), cpu(l.cpu()), x.mm(), x.range(), x.write(), x.pfn(),
            x.ticks()));
      }
      lanes.add(new Ast.Lane(cpu(l.cpu()), actions));
    }
    return new Ast.Together(pos(ctx.getStart()), lanes);
  }

  @Override
  public Stmt visitBegin(BeginContext ctx) {
    Action x = (Action) visit(ctx.cpuAction());
    CpuRef cpu = cpu(cpuOf(ctx));
    Action begun = new Action(pos(whole(ctx)), x.verb(), cpu, x.mm(), x.range(), x.write(), x.pfn(),
        x.ticks());
    return new Ast.Control(pos(whole(ctx)), cpu, Ast.ControlKind.BEGIN, begun, null, null, null, null);
  }

  @Override
  public Stmt visitStepCpu(StepCpuContext ctx) {
    if (ctx.label != null) {
      return new Ast.Control(pos(whole(ctx)), cpu(cpuOf(ctx)), Ast.ControlKind.STEP_TO, null, null,
          ctx.label.getText(), pos(ctx.label), null);
    }
    return new Ast.Control(pos(whole(ctx)), cpu(cpuOf(ctx)), Ast.ControlKind.STEP, null, num(ctx.n), null,
        null, null);
  }

  @Override
  public Stmt visitDrain(DrainContext ctx) {
    return new Ast.Control(pos(whole(ctx)), cpu(cpuOf(ctx)), Ast.ControlKind.DRAIN, null, null, null, null, null);
  }

  @Override
  public Stmt visitTakeIpi(TakeIpiContext ctx) {
    return new Ast.Control(pos(whole(ctx)), cpu(cpuOf(ctx)), Ast.ControlKind.TAKE_IPI, null, null, null, null,
        cpu(ctx.from));
  }

  @Override
  public Stmt visitFinish(FinishContext ctx) {
    return new Ast.Control(pos(whole(ctx)), cpu(cpuOf(ctx)), Ast.ControlKind.FINISH, null, null, null, null, null);
  }

  private Stmt check(AssertionContext outer, CheckContext c) {
    Pos p = pos(outer);
    if (c instanceof StaleContext x) {
      return x.none != null ? new Ast.Assert(p, Check.STALE_NONE, null, null, null, null, List.of())
          : new Ast.Assert(p, Check.STALE_CPU, cpu(x.cpu()), null, num(x.addr), null, List.of());
    } else if (c instanceof LatentContext x) {
      return new Ast.Assert(p, Check.LATENT, cpu(x.cpu()), null, num(x.addr), null, List.of());
    } else if (c instanceof FreedWalkContext x) {
      return new Ast.Assert(p, x.none != null ? Check.FREED_WALK_NONE : Check.FREED_WALK_CPU,
          cpu(x.cpu()), null, null, null, List.of());
    } else if (c instanceof IpisContext x) {
      return new Ast.Assert(p, Check.IPIS, cpu(x.cpu()), null, null, num(x.n), List.of());
    } else if (c instanceof Cr3Context x) {
      return new Ast.Assert(p, Check.CR3, cpu(x.cpu()), null, null, num(x.n), List.of());
    } else if (c instanceof FlushesContext x) {
      Check kind = x.kind.getText().equals("full") ? Check.FLUSHES_FULL : Check.FLUSHES_PARTIAL;
      return new Ast.Assert(p, kind, cpu(x.cpu()), null, null, num(x.n), List.of());
    } else if (c instanceof OnCpuCheckContext on) {
      CpuRef cpu = cpu(on.cpu());
      CpuCheckContext cc = on.cpuCheck();
      if (cc instanceof LazyContext x) {
        return new Ast.Assert(p, x.not != null ? Check.NOT_LAZY : Check.LAZY, cpu, null, null, null, List.of());
      } else if (cc instanceof LoadedContext x) {
        return new Ast.Assert(p, Check.LOADED, cpu, mm(x.mm()), null, null, List.of());
      } else if (cc instanceof AsidContext x) {
        return new Ast.Assert(p, Check.ASID, cpu, null, null, num(x.n), List.of());
      }
    } else if (c instanceof MaskContext x) {
      List<CpuRef> cpus = x.cpu().stream().map(this::cpu).toList();
      return new Ast.Assert(p, Check.MASK, null, mm(x.mm()), null, null, cpus);
    } else if (c instanceof GenContext x) {
      return new Ast.Assert(p, Check.GEN, null, mm(x.mm()), null, num(x.n), List.of());
    }
    throw new IllegalStateException("unhandled assertion form " + c.getClass().getSimpleName());
  }

  /** Words that can start a statement (for "did you mean" on an unknown one). */
  private static final List<String> STATEMENT_WORDS = List.of("kernel", "cpus", "pcid", "ceiling",
      "flush", "tick", "assert", "show", "trace");

  @Override
  public Stmt visitUnknown(UnknownContext ctx) {
    Token t = ctx.getStart();
    String hint = Suggest.closest(t.getText(), STATEMENT_WORDS).map(w -> "did you mean '" + w + "'?")
        .orElse("a statement starts with cpuN, flush, tick, assert, show, trace or a header word");
    diagnostics.add(new Diagnostic(pos(t), "unexpected '" + t.getText() + "', expected a statement", hint));
    return null;
  }

  // ---- inspection ----
  @Override
  public Stmt visitShow(ShowContext ctx) {
    Pos p = pos(ctx);
    if (ctx.getChild(1).getText().equals("tlb")) {
      return new Ast.Show(p, Ast.ShowWhat.TLB, cpu(ctx.cpu()), null);
    } else if (ctx.cpu() != null) {
      return new Ast.Show(p, Ast.ShowWhat.CPU, cpu(ctx.cpu()), null);
    } else if (ctx.mm() != null) {
      return new Ast.Show(p, Ast.ShowWhat.MM, null, mm(ctx.mm()));
    }
    return new Ast.Show(p, Ast.ShowWhat.STATE, null, null);
  }

  @Override
  public Stmt visitTraceSwitch(TraceSwitchContext ctx) {
    return new Ast.TraceSwitch(pos(ctx), ctx.onOff().getText().equals("on"));
  }

  @Override
  public Stmt visitStatement(StatementContext ctx) {
    return visit(ctx.getChild(0));
  }
}
