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
 * Compiled for Java 17 into LoopbackDynamoDbLocal.class beside this file (the class file is
 * committed: a JRE, without javac, runs it). Rebuild with:
 *   javac --release 17 -cp 'DynamoDBLocal.jar:DynamoDBLocal_lib/*' -d . LoopbackDynamoDbLocal.java
 */
import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteException;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.lang.reflect.Field;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteLibraryLoader;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

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
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
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
}
