using System.Data.Common;
using System.Reflection;
using System.Reflection.Emit;

namespace Exchange.Core.Tests.TestSupport;

/// <summary>
/// Writes a stand-in vendor driver to disk: an assembly with the vendor's name holding a
/// <see cref="DbProviderFactory"/> subclass with the vendor's type name and a static <c>Instance</c> field.
/// It proves the folder search and loading without the real (unobtainable) driver.
/// </summary>
internal static class FakeDriverAssembly
{
    public static void Write(string path, string assemblyName, string factoryTypeName)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(assemblyName), typeof(object).Assembly);
        var module = builder.DefineDynamicModule(assemblyName);
        var type = module.DefineType(factoryTypeName, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, typeof(DbProviderFactory));
        var instance = type.DefineField("Instance", type, FieldAttributes.Public | FieldAttributes.Static | FieldAttributes.InitOnly);

        var constructor = type.DefineDefaultConstructor(MethodAttributes.Public);
        var typeInitializer = type.DefineTypeInitializer();
        var il = typeInitializer.GetILGenerator();
        il.Emit(OpCodes.Newobj, constructor);
        il.Emit(OpCodes.Stsfld, instance);
        il.Emit(OpCodes.Ret);

        type.CreateType();
        builder.Save(path);
    }
}
