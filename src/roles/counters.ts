/**
 * Counts the roles keep since the process started, for getMetric and the server's /metrics.
 * One object is shared by the roles of a Standalone: a plain record, so no role imports another.
 */
export class RoleCounters {
  /** Segment indexes the index node built and recorded. */
  indexBuilds = 0;
  /** Builds (or reconciles) that failed; each is tried again at the next flush or DDL notice. */
  indexBuildFailures = 0;
  /** Time spent in builds that were recorded, and their rows. */
  indexBuildSeconds = 0;
  indexBuiltRows = 0;
}
