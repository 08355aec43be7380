/*
 * crt0.S - process entry (tio/start.h): rsp -> argc, argv..., NULL, NULL.
 * Calls main(argc, argv) with the stack still 16-byte aligned at the call,
 * then exit(status), which never returns.
 */
	.section .text._start, "ax"
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* outermost frame: backtraces stop here */
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	andq	$-16, %rsp		/* already aligned by the ABI; cheap insurance */
	call	main
	movl	%eax, %edi
	call	exit
	ud2
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
