/**
 * Domain preconditions of a config change, shared by the labs' `transitionProblems`: what each
 * database needs before it can lose members or change version safely. Each check returns one
 * line per refusal naming the key, what would go wrong, and the safe sequence; the flags that
 * permit a plain scale-in (`allowScaleIn`) do not permit these, since the steps cannot make
 * them safe.
 */

/**
 * Members a quorum-based group (etcd, PD) may lose in one change: at most ⌊(n − 1) / 2⌋, the
 * failures its quorum tolerates (etcd.io/docs/v3.5/faq/ "What is failure tolerance?"): should the
 * removals go out in one step (Docker removes every container of a change at once), the rest still
 * hold a majority of the old membership.
 */
export function quorumRemovalProblems(key: string, from: number, to: number): string[] {
    const tolerated = (n: number) => Math.floor((n - 1) / 2);
    if (to >= from || from - to <= tolerated(from)) return [];
    const safe = [from];
    for (let n = from, i = 0; n > to && i < from; i++) safe.push((n = Math.max(to, n - Math.max(1, tolerated(n)))));
    return [
        `${key}: ${from} → ${to} removes ${from - to} members at once, more than the ${tolerated(from)} a ${from}-member quorum tolerates; ` +
            `go ${safe.join(" → ")}, one pulumi up each`,
    ];
}

/** A member-count decrease and a version change in one config change (tidb-operator #2631 hangs on exactly this). */
export function scaleInWithUpgradeProblems(
    countKey: string,
    from: number,
    to: number,
    versionKey: string,
    before: string,
    after: string,
): string[] {
    if (to >= from || before === after) return [];
    return [
        `${countKey}: ${from} → ${to} and ${versionKey}: ${before} → ${after} in one change; ` +
            `scale in first (${countKey}: ${to}, pulumi up), then change ${versionKey} in a second pulumi up`,
    ];
}
