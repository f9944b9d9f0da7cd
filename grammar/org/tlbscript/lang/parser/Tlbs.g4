// The tlbscript scenario language. One grammar; the `lang` package turns its parse tree
// into an immutable AST (AstBuilder) and nothing else imports ANTLR.
grammar Tlbs;

script : sep* (statement (sep+ statement)*)? sep* EOF ;

sep : NL | ';' ;

statement
    : header
    | together
    | action
    | assertion
    | onKernels
    | inspect
    | unknown                                  // reported by AstBuilder with a did-you-mean
    ;

// Anything else at the start of a statement: kept in the tree so parsing goes on to the next
// line and every error of a file is reported at once.
unknown : (NAME | NUMBER | MM | ERRCHAR | '{' | '}' | '..') ~(NL | ';')* ;

// ---- header ----------------------------------------------------------------
header
    : 'kernel' name=word                       # kernelDecl
    | 'cpus' n=number                          # cpusDecl
    | 'pcid' onOff                             # pcidDecl
    | 'ceiling' n=number                       # ceilingDecl
    | 'memory' model=('tso' | 'sc')            # memoryDecl
    | 'speculate' onOff                        # speculateDecl
    ;

onOff : 'on' | 'off' ;

// ---- actions ---------------------------------------------------------------
// The CPU comes first and is factored out, so that after `cpu1` a typo is reported against
// the verbs (did you mean 'switch'?) rather than against the start of a statement.
action
    : cpu (cpuAction | cpuControl)             # onCpu
    | 'flush' flushTarget                      # flushAnywhere
    | 'tick' n=number                          # tick
    ;

cpuAction
    : 'switch' mm                              # switchMm
    | ('switch' 'kernel' | 'idle')             # switchKernel
    | 'use' mm                                 # useMm
    | 'unuse' mm                               # unuseMm
    | 'leave'                                  # leave
    | 'touch' mm addr=number write='write'?    # touch
    | 'spec' addr=number                       # spec
    | 'map' mm addr=number ('pfn' pfn=number)? # map
    | 'unmap' mm range                         # unmap
    | 'protect' mm range                       # protect
    | 'remap' mm addr=number                   # remap
    | 'free-tables' mm range                   # freeTables
    | 'flush' flushTarget                      # flush
    | 'exit' mm                                # exit
    | 'reclaim' mm addr=number                 # reclaim
    | 'collapse' mm addr=number                # collapse
    ;

flushTarget : mm ('range' range? | all='all') ;

// ---- concurrency -----------------------------------------------------------
// Per-CPU sequences run concurrently; every interleaving of their kernel steps is explored.
together : 'together' '{' sep* lane (sep+ lane)* sep* '}' ;
lane : cpu ':' cpuAction (';' cpuAction)* ;

// Manual stepping (what counterexample scripts are made of; also usable by hand).
cpuControl
    : 'begin' cpuAction                        # begin
    | 'step' (n=number | 'to' label=word)?     # stepCpu
    | 'drain'                                  # drain
    | 'take' 'ipi' ('from' from=cpu)?          # takeIpi
    | 'finish'                                 # finish
    ;

// A single address is one page; `A..B` is the half-open range [A, B).
range : from=number ('..' to=number)? ;

// ---- assertions ------------------------------------------------------------
assertion : 'assert' sometimes='sometimes'? check ;

// An expectation for some kernel models only: `on v4.14..v4.19 assert ipis cpu1 1`.
// Ranges follow `tlbscript kernels` order; either end may be left open (`v4.20..`).
onKernels : 'on' kernelRange (',' kernelRange)* assertion ;
kernelRange : word ('..' word?)? | '..' word ;

// Alternatives that share a first word are factored, so a mistake after it is reported
// against what may follow that word.
check
    : 'stale' (none='none' | cpu addr=number?) # stale
    | 'latent' cpu addr=number                 # latent
    | 'freed-walk' (none='none' | cpu)         # freedWalk
    | 'ipis' cpu? n=number                     # ipis
    | 'cr3' cpu n=number                       # cr3
    | 'flushes' cpu kind=('full' | 'partial') n=number # flushes
    | cpu cpuCheck                             # onCpuCheck
    | 'mask' mm '{' cpu* '}'                   # mask
    | 'gen' mm n=number                        # gen
    ;

cpuCheck
    : not='not'? 'lazy'                        # lazy
    | 'loaded' mm                              # loaded
    | 'asid' n=number                          # asid
    ;

// ---- inspection ------------------------------------------------------------
inspect
    : 'show' (cpu | mm | 'tlb' cpu | 'state')  # show
    | 'trace' onOff                            # traceSwitch
    ;

cpu : CPU ;
mm  : MM | 'init_mm' | NAME ;       // NAME only so that typos get a "did you mean" from the checker
number : NUMBER ;
// kernel model names such as v4.20 or rik-2018-proposal
word : NAME | MM | CPU | keyword ;
keyword : 'on' | 'off' | 'all' | 'range' | 'none' ;

CPU    : 'cpu' [0-9]+ ;
MM     : 'mm' [0-9]+ ;
NUMBER : '0' [xX] [0-9a-fA-F_]+ | [0-9] [0-9_]* [KMG]? ;
NAME   : [a-zA-Z_] [a-zA-Z0-9_.\-]* ;
NL     : '\n' ;
COMMENT: '#' ~[\r\n]* -> skip ;
WS     : [ \t\r]+ -> skip ;                    // a CR (of CRLF, or alone) is blank
ERRCHAR: . ;
