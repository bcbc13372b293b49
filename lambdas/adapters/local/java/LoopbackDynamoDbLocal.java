/*
 * Starts DynamoDB Local listening on 127.0.0.1 only, with its database file in write-ahead-log mode.
 *
 * DynamoDB Local has no option for the listening address: its Jetty server binds every
 * interface, so anyone on the same network could read and rewrite the local stack's policy
 * and bills (it has no authentication). This launcher builds the server exactly as
 * DynamoDB Local's own main does, sets the host of its connectors to the loopback address
 * before starting it, and then starts it.
 *
 * With -Dbm.dbFile=<the file DynamoDB Local will open under -dbPath>, it first puts that SQLite
 * file in write-ahead-log mode (and gives a new one 4 KB pages), with the SQLite library DynamoDB
 * Local itself loads. DynamoDB Local sets no journal mode: by default SQLite keeps a rollback
 * journal, which costs four fsyncs, a journal file created and deleted and every changed page
 * written twice for each write request. In WAL mode a commit is one append and one fsync of the
 * log (synchronous stays FULL, so a committed write survives a power cut); the mode is kept in
 * the file, so every connection DynamoDB Local opens uses it. This launcher's connection uses the
 * same native SQLite library as DynamoDB Local's and is closed before DynamoDB Local opens its
 * own. Where the file system cannot hold a write-ahead log, the file keeps its rollback journal
 * and DynamoDB Local starts as before.
 *
 * It also has DynamoDB Local parse each table's schema once per version instead of once per item
 * (TableSchemas below): that parse was about a quarter of DynamoDB Local's CPU. And it has each
 * SQLite connection DynamoDB Local opens keep its statement journals in memory (StatementJournals
 * below) instead of in a temporary file created, written page by page and deleted for every
 * write request.
 *
 * Compiled for Java 17 into LoopbackDynamoDbLocal.class (and its nested classes) beside this file (the class file is
 * committed: a JRE, without javac, runs it). Rebuild with:
 *   javac --release 17 -cp 'DynamoDBLocal.jar:DynamoDBLocal_lib/*' -d . LoopbackDynamoDbLocal.java
 */
import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteException;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccess;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccessJob;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteLibraryLoader;
import software.amazon.dynamodb.services.local.shared.access.sqlite.TableSchemaInfo;
import software.amazon.dynamodb.services.local.shared.mapper.DynamoDbObjectMapper;
import com.almworks.sqlite4java.SQLiteJob;
import com.almworks.sqlite4java.SQLiteQueue;
import software.amazon.dynamodb.services.local.server.AbstractLocalDynamoDBServerHandler;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.shared.access.AmazonDynamoDBLocal;
import software.amazon.dynamodb.services.local.shared.access.LocalDBClient;

public final class LoopbackDynamoDbLocal {
  /**
   * sqlite4java's notes (each connection opened and closed, at INFO) are not the user's business.
   * Held here: java.util.logging keeps loggers only weakly, and a collected one forgets its level.
   */
  private static final Logger SQLITE_LOG = Logger.getLogger("com.almworks.sqlite4java");

  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    String host = System.getProperty("bm.host", "127.0.0.1");
    String dbFile = System.getProperty("bm.dbFile");
    if (dbFile != null) {
      SQLITE_LOG.setLevel(Level.WARNING);
      try {
        writeAheadLog(new File(dbFile));
      } catch (SQLiteException e) {
        // One line naming the file, not a stack trace; the file is left as it is.
        System.err.println("bm: the local database file " + dbFile + " cannot be opened: " + e.getMessage());
        System.exit(2);
      }
    }
    TableSchemas.install();
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    StatementJournals.install(proxy);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector c : server.getConnectors()) {
      if (c instanceof ServerConnector) {
        ((ServerConnector) c).setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind to " + host);
    proxy.start();
  }

  /**
   * Puts the database file in WAL mode; a file not yet created (or empty) first gets 4 KB pages
   * (SQLite's default since 3.12; the library DynamoDB Local bundles is older and uses 1 KB). An
   * existing file keeps its page size (changing it would rewrite the whole file).
   */
  static void writeAheadLog(File file) throws Exception {
    // SQLite's native library loaded DynamoDB Local's way (from org.sqlite.lib.path, which the
    // stack sets, or else a copy extracted from its jar), before the first connection: sqlite4java
    // would otherwise load the copy on java.library.path itself, and DynamoDB Local then a second
    // one, each with its own SQLite: the JVM crashed at start in about one start of three, a
    // statement of one library bound by the other.
    SQLiteLibraryLoader.initialize();
    boolean fresh = !file.exists() || file.length() == 0;
    SQLiteConnection connection = new SQLiteConnection(file);
    connection.open(true);
    try {
      if (fresh) connection.exec("PRAGMA page_size=4096");
      SQLiteStatement statement = connection.prepare("PRAGMA journal_mode=WAL");
      String mode;
      try {
        mode = statement.step() ? statement.columnString(0) : null;
      } finally {
        statement.dispose();
      }
      // A file system without shared memory for the log (some network file systems) keeps the
      // rollback journal: as durable, only slower. DynamoDB Local starts either way.
      if (!"wal".equalsIgnoreCase(mode)) System.err.println("bm: " + file + " stays in journal mode " + mode + " (write-ahead log not available here)");
    } finally {
      connection.dispose();
    }
  }

  /**
   * DynamoDB Local keeps each table's schema as JSON in its metadata table and, for every item a
   * request reads or writes, selects it and parses it again with Jackson into a TableSchemaInfo
   * (SQLiteDBAccessJob.getTableSchemaInfo2, through its static MAPPER), and once more per request
   * to describe the table (SQLiteDBAccess.getTableInfo, through another): together about a third
   * of its CPU under the local workflow, more than the items themselves. This mapper, put in both
   * MAPPERs' place before the server starts, parses each distinct schema text once and hands out
   * a copy of the result for every read; everything else it does as DynamoDbObjectMapper.
   *
   * Why it cannot serve a stale schema: the key is the stored bytes themselves, still selected
   * from the database for every item. A table whose schema changes (UpdateTable, a new index, time
   * to live) stores new bytes, which are parsed anew. Why callers cannot change what is kept: each
   * read gets its own TableSchemaInfo whose lists and maps (and the lists inside them) are fresh
   * copies; what they hold (the SDK's model objects, which are immutable, strings, and index
   * elements whose setters only Jackson calls) is shared. DynamoDB Local's own updates of a schema
   * (setAttributes, addGSIColumnMappings, ...) go through those copies, never the kept one.
   *
   * If this DynamoDB Local version is not built as expected (the field, its type), nothing is
   * replaced and it parses as before; one line on stderr says so.
   */
  static final class TableSchemas extends DynamoDbObjectMapper {
    private static final long serialVersionUID = 1L;
    /** Distinct schema texts kept (a handful per table over a run); started over if ever reached. */
    private static final int LIMIT = 64;

    /** A schema's stored text and what it parses to. */
    private static final class Kept {
      final byte[] text;
      final TableSchemaInfo schema;

      Kept(byte[] text, TableSchemaInfo schema) {
        this.text = text;
        this.schema = schema;
      }
    }

    /**
     * Replaced whole on every addition, so a reader on another thread sees a complete array. A
     * scan compares lengths and then bytes eight at a time (Arrays.equals): cheaper than hashing
     * a few kilobytes byte by byte for a map, with so few entries.
     */
    private transient volatile Kept[] kept = new Kept[0];
    private final transient List<Field> fields = new ArrayList<>();

    TableSchemas() {
      for (Field f : TableSchemaInfo.class.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) continue;
        f.setAccessible(true);
        fields.add(f);
      }
    }

    /** The classes whose static MAPPER parses schemas: per item (the job) and per request (getTableInfo). */
    private static final Class<?>[] HOLDERS = {SQLiteDBAccessJob.class, SQLiteDBAccess.class};

    static void install() {
      try {
        TableSchemas mapper = new TableSchemas();
        // A static final field: only Unsafe may set it. Done before DynamoDB Local has handled a
        // request, so no compiled code has read the old value.
        Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        theUnsafe.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
        for (Class<?> holder : HOLDERS) {
          // Initialized first: its static initializer would otherwise set MAPPER afterwards.
          Class.forName(holder.getName(), true, holder.getClassLoader());
          Field field = holder.getDeclaredField("MAPPER");
          if (field.getType() != DynamoDbObjectMapper.class || !Modifier.isStatic(field.getModifiers())) throw new NoSuchFieldException("MAPPER is " + field);
          Object base = unsafe.staticFieldBase(field);
          long offset = unsafe.staticFieldOffset(field);
          unsafe.putObjectVolatile(base, offset, mapper);
          if (unsafe.getObjectVolatile(base, offset) != mapper) throw new IllegalStateException(holder.getSimpleName() + ".MAPPER was not replaced");
        }
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        System.err.println("bm: DynamoDB Local parses table schemas per item (" + e + ")");
      }
    }

    @Override
    public <T> T readValue(byte[] src, Class<T> valueType) throws IOException {
      if (valueType != TableSchemaInfo.class || src == null) return super.readValue(src, valueType);
      Kept[] seen = kept;
      for (int i = seen.length - 1; i >= 0; i--) {
        if (seen[i].text.length == src.length && Arrays.equals(seen[i].text, src)) return valueType.cast(copyOf(seen[i].schema));
      }
      TableSchemaInfo schema = (TableSchemaInfo) super.readValue(src, valueType);
      synchronized (this) {
        Kept[] now = kept.length >= LIMIT ? new Kept[0] : kept;
        Kept[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Kept(src.clone(), schema);
        kept = next;
      }
      return valueType.cast(copyOf(schema));
    }

    private TableSchemaInfo copyOf(TableSchemaInfo kept) {
      TableSchemaInfo copy = new TableSchemaInfo();
      try {
        for (Field f : fields) f.set(copy, fresh(f.get(kept), 2));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      return copy;
    }

    /** Lists and maps copied `depth` levels down (the schema's lists of lists, maps of lists). */
    private static Object fresh(Object value, int depth) {
      if (depth == 0) return value;
      if (value instanceof ArrayList) {
        ArrayList<Object> copy = new ArrayList<>(((ArrayList<?>) value).size());
        for (Object o : (ArrayList<?>) value) copy.add(fresh(o, depth - 1));
        return copy;
      }
      if (value instanceof HashMap) {
        Map<Object, Object> copy = value instanceof LinkedHashMap ? new LinkedHashMap<>() : new HashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) copy.put(e.getKey(), fresh(e.getValue(), depth - 1));
        return copy;
      }
      return value;
    }
  }

  /**
   * SQLite writes a statement journal (the pages a statement changes, as they were, so that the
   * statement alone can be undone) for every write inside DynamoDB Local's transactions. The
   * SQLite DynamoDB Local bundles (3.8) keeps it in a temporary file unless the connection's
   * temp_store is MEMORY: a file created in /var/tmp, unlinked, written 4 KB at a time (about 20
   * pages per write request under the local workflow) and closed, per request; more system calls
   * than the database file and its log together. With temp_store=MEMORY the journal is a few
   * buffers that SQLite frees at the statement's end. It is never part of what survives a crash
   * (it exists only while one statement runs; the write-ahead log holds the commits), so nothing
   * about durability changes.
   *
   * DynamoDB Local opens one SQLite connection per database file, when the first request for
   * that file (access key and region) comes in, and keeps it. temp_store belongs to a connection,
   * so this puts its own map in place of the request handler's map of per-file clients, and runs
   * the pragma on each client's connection as it is added. If this version is not built as
   * expected (a field, its type), or the pragma fails, the journals stay in files, as before, and
   * one line on stderr says so. A connection sqlite4java reopens after an error (it may) keeps its
   * journals in files again: only slower.
   */
  static final class StatementJournals extends ConcurrentHashMap<String, AmazonDynamoDBLocal> {
    private static final long serialVersionUID = 1L;
    private final transient Field dbAccess;
    private final transient Field queue;

    private StatementJournals(Field dbAccess, Field queue) {
      this.dbAccess = dbAccess;
      this.queue = queue;
    }

    static void install(DynamoDBProxyServer proxy) {
      try {
        Object serverHandler = field(DynamoDBProxyServer.class, "serverHandler", AbstractLocalDynamoDBServerHandler.class).get(proxy);
        Object primary = field(AbstractLocalDynamoDBServerHandler.class, "primaryHandler", null).get(serverHandler);
        if (!(primary instanceof LocalDynamoDBRequestHandler)) throw new IllegalStateException("the request handler is " + primary);
        Field clients = field(LocalDynamoDBRequestHandler.class, "dbRequestHandlers", Map.class);
        StatementJournals map = new StatementJournals(field(LocalDBClient.class, "dbAccess", null), field(SQLiteDBAccess.class, "queue", SQLiteQueue.class));
        @SuppressWarnings("unchecked")
        Map<String, AmazonDynamoDBLocal> before = (Map<String, AmazonDynamoDBLocal>) clients.get(primary);
        if (!before.isEmpty()) throw new IllegalStateException("a database is open already");
        // Before the server starts: no request has read the field yet.
        clients.set(primary, map);
        if (clients.get(primary) != map) throw new IllegalStateException("dbRequestHandlers was not replaced");
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        note(e);
      }
    }

    private static Field field(Class<?> holder, String name, Class<?> type) throws NoSuchFieldException {
      Field f = holder.getDeclaredField(name);
      if (type != null && f.getType() != type) throw new NoSuchFieldException(holder.getSimpleName() + "." + name + " is " + f.getType().getName());
      f.setAccessible(true);
      return f;
    }

    private static void note(Throwable e) {
      System.err.println("bm: DynamoDB Local keeps its statement journals in temporary files (" + e + ")");
    }

    @Override
    public AmazonDynamoDBLocal put(String key, AmazonDynamoDBLocal client) {
      try {
        Object access = client instanceof LocalDBClient ? dbAccess.get(client) : null;
        if (access instanceof SQLiteDBAccess) {
          SQLiteJob<Object> job = new SQLiteJob<Object>() {
            @Override
            protected Object job(SQLiteConnection connection) throws SQLiteException {
              connection.exec("PRAGMA temp_store=MEMORY");
              SQLiteStatement read = connection.prepare("PRAGMA temp_store");
              try {
                // 2: MEMORY. SQLite ignores a pragma it cannot apply; this says so.
                if (!read.step() || read.columnInt(0) != 2) throw new IllegalStateException("temp_store stays " + (read.hasRow() ? read.columnInt(0) : "unknown"));
              } finally {
                read.dispose();
              }
              return null;
            }
          };
          ((SQLiteQueue) queue.get(access)).execute(job).complete();
          // sqlite4java keeps a job's failure with the job.
          if (job.getError() != null) note(job.getError());
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        note(e);
      }
      return super.put(key, client);
    }
  }
}
