package org.tlbscript.litmus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tlbscript.engine.Litmus;
import org.tlbscript.engine.Litmus.Instr;
import org.tlbscript.engine.Litmus.Instr.Kind;
import org.tlbscript.engine.Litmus.Term;
import org.tlbscript.lang.Source;

/** The litmus format as herd7 writes it, and a diagnostic with its position for everything else. */
class LitmusParserTest {
  static Litmus.Test parse(String text) {
    return LitmusParser.parse(new Source("t.litmus", text));
  }

  /** The rendered diagnostic of {@code text}. */
  static String error(String text) {
    return assertThrows(LitmusParser.Invalid.class, () -> parse(text)).diagnostic.render();
  }

  @Test
  void herdsLayoutWithHeaderLinesCommentsAndAConditionOverLines() {
    Litmus.Test t = parse("""
        X86 R+mfence+rfi-po
        "MFencedWW Wse Rfi PodRR Fre"
        Generator=diyone7 (version 7.54+01(dev))
        Prefetch=0:x=F,0:y=W,1:y=F,1:x=T
        {
        x=0; (* a comment *) 1:ebx=0x10;
        }
         P0         | P1          ;
         MOV [x],$1 | mov [y],$2  ;
         MFENCE     | MOV EAX,[y] ;
         MOV [y],$1 | MOV EBX,[x] ;
        exists
        (y=2 /\\ 1:EAX=2 (* the rfi *)
         /\\ [x]=0)
        """);
    assertEquals("R+mfence+rfi-po", t.name());
    assertEquals(Map.of(new Term(-1, "x"), 0L, new Term(1, "EBX"), 16L), t.init());
    assertEquals(List.of(new Instr(1, Kind.STORE, null, "y", 2), new Instr(2, Kind.LOAD, "EAX", "y", 0),
        new Instr(3, Kind.LOAD, "EBX", "x", 0)), t.threads().get(1));
    assertEquals(Kind.MFENCE, t.threads().get(0).get(1).kind());
    assertEquals("exists ([y]=2 /\\ 1:EAX=2 /\\ [x]=0)", t.condition());
    assertEquals(List.of(new Term(1, "EAX"), new Term(-1, "x"), new Term(-1, "y")), t.observed());
  }

  @Test
  void everyInstructionForm() {
    Litmus.Test t = parse("""
        X86 forms
        {}
         P0                   ;
         MOV [x],$-1          ;
         MOV [x],EAX          ;
         MOV EBX,[x]          ;
         MOV ECX,$3           ;
         MFENCE               ;
         XCHG [x],EDX         ;
         XCHG ESI,[y]         ;
         LOCK XCHG [y],EDI    ;
         LOCK ADD [x],$2      ;
         LOCK ADD [x],EBX     ;
         LOCK INC [x]         ;
         LOCK CMPXCHG [x],EBP ;
         LOCK XADD [x],ESP    ;
        ~exists (not (x=1) \\/ true /\\ false)
        """);
    assertEquals(List.of(Kind.STORE, Kind.STORE_REG, Kind.LOAD, Kind.MOVE, Kind.MFENCE, Kind.XCHG, Kind.XCHG,
        Kind.XCHG, Kind.ADD, Kind.ADD_REG, Kind.INC, Kind.CMPXCHG, Kind.XADD),
        t.threads().get(0).stream().map(Instr::kind).toList());
    assertEquals(new Instr(7, Kind.XCHG, "ESI", "y", 0), t.threads().get(0).get(6));
    assertEquals(List.of("EBP", "EAX"), t.threads().get(0).get(11).regs(), "CMPXCHG compares with EAX");
    assertEquals("~exists (not ([x]=1) \\/ true /\\ false)", t.condition());
    // the printed form parses back to the same test
    assertEquals(t, parse(t.format()));
  }

  @Test
  void precedenceAsHerds() {
    // ~ binds tighter than /\, which binds tighter than \/; printed with herd7's parentheses
    assertEquals("exists ([x]=1 \\/ [y]=1 /\\ not ([z]=1))", parse(condition("x=1 \\/ y=1 /\\ ~z=1")).condition());
    assertEquals("exists (([x]=1 \\/ [y]=1) /\\ [z]=1)", parse(condition("(x=1 \\/ y=1) /\\ z=1")).condition());
  }

  private static String condition(String c) {
    return "X86 c\n{}\n P0 ;\n MOV [x],$1 ;\nexists (" + c + ")\n";
  }

  @Test
  void unsupportedInstructionsSayWhereAndWhy() {
    assertEquals("""
        t.litmus:4:15: error: `ADD` without LOCK is not atomic, and tlbscript models only locked read-modify-writes
           MOV [x],$1 | ADD [y],$1 ;
                        ^~~
          hint: write `LOCK ADD`
        """, error("X86 t\n{}\n P0         | P1         ;\n MOV [x],$1 | ADD [y],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:2: error: unsupported instruction `LFENCE`
           LFENCE ;
           ^~~~~~
          hint: supported: MOV (to or from [x], or $v to a register), MFENCE, XCHG, LOCK ADD, LOCK INC, \
        LOCK CMPXCHG, LOCK XADD
        """, error("X86 t\n{}\n P0 ;\n LFENCE ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:6: error: `RAX` is not an x86 register
           MOV RAX,[x] ;
               ^~~
          hint: registers: EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP
        """, error("X86 t\n{}\n P0 ;\n MOV RAX,[x] ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:7: error: register-indirect addressing is not supported
           MOV [EAX],$1 ;
                ^~~
          hint: name a location: `[x]`
        """, error("X86 t\n{}\n P0 ;\n MOV [EAX],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:2: error: unsupported form of MOV: REG, REG
           MOV EAX,EBX ;
           ^~~
          hint: MOV [x],$v, MOV [x],REG, MOV REG,[x] or MOV REG,$v
        """, error("X86 t\n{}\n P0 ;\n MOV EAX,EBX ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:10: error: an immediate value is written `$1`
           MOV [x],1 ;
                   ^
        """, error("X86 t\n{}\n P0 ;\n MOV [x],1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:2: error: labels and jumps are not supported
           L0: MOV [x],$1 ;
           ^~
        """, error("X86 t\n{}\n P0 ;\n L0: MOV [x],$1 ;\nexists (x=1)\n"));
  }

  @Test
  void malformedTestsSayWhereAndWhy() {
    assertEquals("""
        t.litmus:1:1: error: not an x86 litmus test: the architecture is `AArch64`
          AArch64 MP
          ^~~~~~~
          hint: tlbscript runs herd7's X86 tests (the first line is `X86 NAME`)
        """, error("AArch64 MP\n{}\n"));
    assertEquals("""
        t.litmus:3:15: error: expected `P1`, found `P2`
           P0         | P2 ;
                        ^~
          hint: the program's first line names P0, P1, ... in order
        """, error("X86 t\n{}\n P0         | P2 ;\n MOV [x],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:13: error: this row has more columns than the test's 1 thread
           MOV [x],$1 | MOV [y],$1 ;
                      ^
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1 | MOV [y],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:4:12: error: a program row ends with `;`
           MOV [x],$1
                     ^
          hint: one instruction per thread, columns separated by `|`: ` MOV [x],$1 | MOV EAX,[y] ;`
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:5:20: error: no thread P3: the test has 1 thread
          exists (0:EAX=0 /\\ 3:EBX=1)
                             ^
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1 ;\nexists (0:EAX=0 /\\ 3:EBX=1)\n"));
    assertEquals("""
        t.litmus:2:3: error: no thread P1: the test has 1 thread
          { 1:EAX=1; }
            ^
        """, error("X86 t\n{ 1:EAX=1; }\n P0 ;\n MOV [x],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:5:25: error: expected `)` for the `(` at 5:8, found the end
          exists (0:EAX=0 /\\ (x=1)
                                  ^
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1 ;\nexists (0:EAX=0 /\\ (x=1)\n"));
    assertEquals("""
        t.litmus:4:14: error: no final condition: expected `exists`, `~exists` or `forall`
           MOV [x],$1 ;
                       ^
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1 ;\n"));
    assertEquals("""
        t.litmus:5:14: error: unexpected `foo` after the condition
          exists (x=1) foo
                       ^~~
          hint: combine terms with /\\ and \\/
        """, error("X86 t\n{}\n P0 ;\n MFENCE ;\nexists (x=1) foo\n"));
    assertEquals("""
        t.litmus:2:9: error: a register holding the address of a location is not supported
          { 0:EAX=x; }
                  ^
          hint: tlbscript's instructions name locations directly: `MOV [x],$1`
        """, error("X86 t\n{ 0:EAX=x; }\n P0 ;\n MOV [x],$1 ;\nexists (x=1)\n"));
    assertEquals("""
        t.litmus:2:1: error: this comment is not closed with `*)`
          (* open
          ^~
        """, error("X86 t\n(* open\n{}\n"));
    assertEquals("""
        t.litmus:5:11: error: comparing two locations or registers is not supported
          exists (x=y)
                    ^
          hint: compare with a value: `x=1`
        """, error("X86 t\n{}\n P0 ;\n MOV [x],$1 ;\nexists (x=y)\n"));
    assertEquals("""
        t.litmus:2:8: error: [x] is set twice in the initial state
          { x=1; x=2; }
                 ^
        """, error("X86 t\n{ x=1; x=2; }\n P0 ;\n MOV [x],$1 ;\nexists (x=1)\n"));
  }
}
