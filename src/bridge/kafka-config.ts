// A topic's retention and compaction ([RT1], [RT5]) as Kafka's topic configs: what AsyncAPI's
// Kafka binding (topicConfiguration) and the generated project (createTopics' configEntries)
// both say. Retention by record count has no Kafka config (Kafka bounds a partition by bytes).

export interface KafkaTopicConfig {
  /** cleanup.policy: delete, compact, or both. */
  cleanupPolicy: ('compact' | 'delete')[];
  /** retention.ms; -1: kept forever. */
  retentionMs: number;
}

/** The configs of a topic with retention by time or compaction; null when it has neither. */
export function kafkaTopicConfig(c: { retentionMs?: number | null; compactEveryMs?: number | null }): KafkaTopicConfig | null {
  const compact = (c.compactEveryMs ?? null) !== null;
  const ms = c.retentionMs ?? null;
  if (!compact && ms === null) return null;
  return { cleanupPolicy: compact ? (ms !== null ? ['compact', 'delete'] : ['compact']) : ['delete'], retentionMs: ms ?? -1 };
}
