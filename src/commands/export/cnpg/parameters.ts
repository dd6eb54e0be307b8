/**
 * postgresql.parameters from an instance's settings. The operator refuses some parameters
 * outright (its fixed list: addresses, ports, files, TLS, archiving, recovery, logging
 * destinations) and needs others for replication and failover (wal_level, WAL senders,
 * slots, hot standby); those are left out and named. shared_preload_libraries is a list of
 * its own in the Cluster, never a parameter.
 */
const OPERATOR_FIXED = [
  'allow_system_table_mods',
  'archive_cleanup_command',
  'archive_command',
  'archive_mode',
  'bonjour',
  'bonjour_name',
  'cluster_name',
  'config_file',
  'data_directory',
  'data_sync_retry',
  'event_source',
  'external_pid_file',
  'hba_file',
  'hot_standby',
  'ident_file',
  'jit_provider',
  'listen_addresses',
  'log_destination',
  'log_directory',
  'log_file_mode',
  'log_filename',
  'log_rotation_age',
  'log_rotation_size',
  'log_truncate_on_rotation',
  'logging_collector',
  'port',
  'primary_conninfo',
  'primary_slot_name',
  'promote_trigger_file',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'restart_after_crash',
  'restore_command',
  'shared_preload_libraries',
  'stats_temp_directory',
  'synchronized_standby_slots',
  'synchronous_standby_names',
  'syslog_facility',
  'syslog_ident',
  'syslog_sequence_numbers',
  'syslog_split_messages',
  'temp_tablespaces',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
];
/** Not on the fixed list, but a cluster's standbys and failover stop working without the operator's values. */
const REPLICATION = ['wal_level', 'max_wal_senders', 'max_replication_slots', 'wal_log_hints', 'full_page_writes'];

const LEFT_TO_OPERATOR = new Set([...OPERATOR_FIXED, ...REPLICATION]);

export interface ClusterParameters {
  parameters: Record<string, string>;
  /** Settings the operator manages itself: left out. */
  managed: string[];
  /** Settings that trade durability for speed: left out, a cluster exists to keep its data. */
  unsafe: string[];
}

export function isOperatorManaged(name: string): boolean {
  return LEFT_TO_OPERATOR.has(name) || name.startsWith('ssl') || name.startsWith('recovery_target');
}

export function clusterParameters(settings: Record<string, string>): ClusterParameters {
  const out: ClusterParameters = { parameters: {}, managed: [], unsafe: [] };
  for (const key of Object.keys(settings).sort()) {
    const value = String(settings[key]);
    if (isOperatorManaged(key)) out.managed.push(key);
    else if (key === 'fsync' && /^(off|false|0|no)$/i.test(value)) out.unsafe.push(`${key}=${value}`);
    else out.parameters[key] = value;
  }
  return out;
}
